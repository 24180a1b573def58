import { PassbenchError } from '../errors.ts';
import type { CaseContext } from './case-context.ts';

/** A guest's QEMU ended while the run still needed it (killed, crashed): a failure, not a stop. */
export class GuestGoneError extends PassbenchError {}

/**
 * A signal for work on `guests` (a measurement): it aborts with the case's own signal (Ctrl-C: a
 * stop), or with a GuestGoneError the moment one of their QEMUs ends. Without it a guest killed
 * mid-measurement was noticed only at the measurement's deadline: its SSH connection, through the
 * lab host to an address nobody answers any more, never says it is gone. The dead guest's SSH
 * connection is closed at once, so no cleanup waits on it either.
 */
export function watchGuests(ctx: Pick<CaseContext, 'signal' | 'guests' | 'guestHosts'>, guests: readonly string[], during: string):
  { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const stop = () => controller.abort(ctx.signal.reason);
  if (ctx.signal.aborted) stop();
  else ctx.signal.addEventListener('abort', stop, { once: true });
  let disposed = false;
  for (const name of guests) {
    void ctx.guests.get(name)?.exited?.then(async (how) => {
      if (disposed || controller.signal.aborted) return;
      controller.abort(new GuestGoneError(`guest ${name}: its QEMU ${how} during ${during}`, {
        remedy: 'Something on the host ended it: the OOM killer (the host\'s dmesg says), a person, or a QEMU crash (its last output above). Its console is kept with the run\'s artifacts.',
      }));
      await ctx.guestHosts.get(name)?.close().catch(() => undefined);
    });
  }
  return {
    signal: controller.signal,
    dispose: () => {
      disposed = true;
      ctx.signal.removeEventListener('abort', stop);
    },
  };
}
