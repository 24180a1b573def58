import { WaitAbortedError } from './abort.ts';
import { checkMs, seconds } from './deadline.ts';

/**
 * Resolves after `ms`; rejects with WaitAbortedError as soon as `signal` aborts. The timer keeps
 * the process alive (an unref'd one would let a CLI that only waits exit half-way) and is cleared
 * on abort, so an aborted wait leaves nothing behind.
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  checkMs(ms);
  const aborted = () => new WaitAbortedError(`a pause of ${seconds(ms)} s`);
  if (signal?.aborted) return Promise.reject(aborted());
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
