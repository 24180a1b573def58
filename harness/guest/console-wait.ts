import { PassbenchError } from '../errors.ts';
import type { Host, HostProcess } from '../host/host.ts';
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

/** A guest's serial log as it grows on its QEMU host. */
export interface ConsoleFollower {
  /** The log so far: the followed copy while it is followed, else the whole file (read at most every 2 s). */
  read(): Promise<string>;
  /** How often `read` is worth calling (it is local). */
  readonly pollMs: number;
  /** Ends the follow (the `tail` on the host). Idempotent. */
  stop(): Promise<void>;
}

/** Where the log cannot be followed, the whole file is read again at most this often (a command each time). */
const WHOLE_READ_MS = 2_000;

/**
 * Follows a guest's serial log with one `tail -F` on its QEMU host, so readiness is seen within a
 * local poll, where a `cat` every 2 s cost each boot 1 s on average and a remote command each time.
 * Where tail cannot run, or ends early, `read` falls back to `readWhole`.
 */
export async function followConsole(host: Host, path: string, readWhole: () => Promise<string>): Promise<ConsoleFollower> {
  let text = '';
  let tail: HostProcess | undefined;
  let following = false;
  try {
    tail = await host.spawn(['tail', '-n', '+1', '-F', path], { onLine: (line, stream) => { if (stream === 'stdout') text += `${line}\n`; } });
    following = true;
    void tail.exited.then(() => { following = false; });
  } catch {
    // no tail on this host: the whole file it is
  }
  let whole = { at: -Infinity, text: '' };
  let stopping: Promise<void> | undefined;
  return {
    read: async () => {
      if (following) return text;
      if (Date.now() - whole.at >= WHOLE_READ_MS) whole = { at: Date.now(), text: await readWhole() };
      return whole.text;
    },
    pollMs: 200,
    stop: () => (stopping ??= (async () => {
      if (following) await tail?.kill().catch(() => undefined);
      await tail?.exited;
    })()),
  };
}
