import { PassbenchError } from '../errors.ts';

/** A wait ended because its AbortSignal fired (Ctrl-C, SIGTERM, a failed sibling). */
export class WaitAbortedError extends PassbenchError {
  constructor(readonly what: string) {
    super(`${what}: aborted`);
  }
}

/**
 * `work`, or `abortError()` as soon as `signal` aborts (at once when it already has). The work
 * itself is not cancelled: it keeps running to its own deadline, and a late rejection of it is
 * absorbed here so it never becomes an unhandled one.
 */
export async function raceAbort<T>(work: Promise<T>, signal: AbortSignal | undefined, abortError: () => Error): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    throw abortError();
  }
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
