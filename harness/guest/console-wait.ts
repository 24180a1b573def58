import { TimeoutError, PassbenchError } from '../errors.ts';

/**
 * Waits until the guest's console shows `ready` (guest-init.sh prints "services started" once
 * dropbear listens), polling `read` (the serial log). A `FATAL` line from /init fails at once.
 * Waiting for the console before the first SSH attempt matters through a dropbear jump host: its
 * forward to an address that does not answer yet stalls the whole jump connection for a TCP timeout.
 */
export async function waitForConsole(read: () => Promise<string>, o: { ready: RegExp; deadlineMs: number; what: string; pollMs?: number }): Promise<number> {
  const started = Date.now();
  for (;;) {
    const text = await read().catch(() => '');
    if (o.ready.test(text)) return Date.now() - started;
    const fatal = /^.*FATAL.*$/m.exec(text);
    if (fatal) throw new PassbenchError(`${o.what}: the guest's /init failed: ${fatal[0]}\nconsole:\n${tailOf(text)}`);
    if (Date.now() - started > o.deadlineMs) {
      throw new TimeoutError(`${o.what}: console did not show ${o.ready} within ${o.deadlineMs / 1000} s; last lines:\n${tailOf(text)}`, {
        remedy: 'Nested TCG guests take minutes on a loaded 2-core machine; raise the deadline, or read the whole serial log.',
      });
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 2_000));
  }
}

function tailOf(text: string): string {
  return text.trimEnd().split('\n').slice(-20).join('\n') || '(empty)';
}
