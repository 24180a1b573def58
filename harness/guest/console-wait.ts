import { PassbenchError } from '../errors.ts';
import { waitUntil, type DeadlineLike } from '../wait/index.ts';

/** The guest's /init printed a FATAL line, or its kernel panicked: waiting longer cannot help. */
export class GuestInitError extends PassbenchError {}

/**
 * What ends a boot for good. A panicked kernel halts (panic=0, the default) and would sit there
 * until the boot deadline, minutes under nested TCG, before the run could say what happened.
 */
const BOOT_ENDED: ReadonlyArray<{ line: RegExp; says: string }> = [
  { line: /^.*FATAL.*$/m, says: "the guest's /init failed" },
  { line: /^.*Kernel panic - not syncing.*$/m, says: "the guest's kernel panicked" },
];

export interface ConsoleWaitOptions {
  ready: RegExp;
  deadline: DeadlineLike;
  /** Names the guest in messages ("guest vf0"). */
  what: string;
  pollMs?: number;
  signal?: AbortSignal;
  abortError?: () => Error;
}

/**
 * Waits until the guest's console shows `ready` (guest-init.sh prints "services started" once
 * dropbear listens), polling `read` (the serial log), and returns the ms waited. A `FATAL` line
 * from /init or a kernel panic fails at once. Waiting for the console before the first SSH attempt matters through a
 * dropbear jump host: its forward to an address that does not answer yet stalls the whole jump
 * connection for a TCP timeout.
 */
export async function waitForConsole(read: () => Promise<string>, o: ConsoleWaitOptions): Promise<number> {
  const started = Date.now();
  let text = '';
  await waitUntil(`${o.what}'s console to show ${o.ready}`, async () => {
    text = await read();
    if (o.ready.test(text)) return true;
    for (const { line, says } of BOOT_ENDED) {
      const seen = line.exec(text);
      if (seen) throw new GuestInitError(`${o.what}: ${says}: ${seen[0].trim()}\nconsole:\n${tailOf(text)}`);
    }
    return undefined;
  }, {
    deadline: o.deadline, intervalMs: o.pollMs ?? 2_000, signal: o.signal, abortError: o.abortError,
    fatal: (error) => error instanceof GuestInitError,
    failure: `${o.what}: console did not show ${o.ready}`,
    describeLast: () => `${text.trimEnd() ? text.trimEnd().split('\n').length : 0} console lines, none matching`,
    context: () => tailOf(text), contextLabel: 'last lines',
    remedy: 'Nested TCG guests take minutes on a loaded 2-core machine; raise the deadline, or read the whole serial log.',
  });
  return Date.now() - started;
}

function tailOf(text: string): string {
  return text.trimEnd().split('\n').slice(-20).join('\n') || '(empty)';
}
