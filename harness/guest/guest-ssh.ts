import { SshHost, HostKeyMismatchError } from '../host/ssh-host.ts';
import { TimeoutError, errorMessage } from '../errors.ts';

export interface ConnectGuestOptions {
  /** The lab host the guest is reachable from (an SSH jump); absent: connect directly. */
  via?: SshHost;
  address: string;
  port: number;
  /** The guest's host key, OpenSSH public line (from makeGuestKeys): pinned, nothing else accepted. */
  hostKey: string;
  identityFile: string;
  /** Until SSH works. Nested guests under TCG need minutes. */
  deadlineMs: number;
  /** The console's last lines, for the timeout error (RunningGuest.consoleTail). */
  consoleTail?: () => Promise<string>;
  log?: (line: string) => void;
}

/**
 * Waits until the guest's sshd answers with the pinned host key and accepts the key, and returns it
 * as a Host. A wrong host key fails at once (never retried); the deadline error shows the console.
 */
export async function connectGuest(o: ConnectGuestOptions): Promise<SshHost> {
  const started = Date.now();
  const until = started + o.deadlineMs;
  let attempts = 0;
  let last: unknown;
  while (Date.now() < until) {
    attempts++;
    try {
      const host = await SshHost.connect({
        address: o.address, port: o.port, user: 'root', identityFile: o.identityFile, hostKey: o.hostKey, via: o.via,
        // Long enough for a key exchange in a nested TCG guest, short enough to retry a hung forward.
        connectTimeoutMs: Math.max(1_000, Math.min(20_000, until - Date.now())),
      });
      o.log?.(`ssh ${o.address}:${o.port} ready after ${((Date.now() - started) / 1000).toFixed(1)} s (${attempts} attempts)`);
      return host;
    } catch (error) {
      if (error instanceof HostKeyMismatchError) throw error;
      last = error;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
  const console = o.consoleTail ? await o.consoleTail().catch((e: unknown) => `(console unreadable: ${errorMessage(e)})`) : '(no console)';
  throw new TimeoutError(
    `guest ${o.address}:${o.port}${o.via ? ` (via ${o.via.name})` : ''} not reachable over SSH within ${o.deadlineMs / 1000} s `
      + `(${attempts} attempts; last: ${last === undefined ? 'none' : errorMessage(last)}); console's last lines:\n${console}`,
    { cause: last, remedy: 'Read the console: did /init start dropbear ("services started")? Under nested TCG a guest boots in minutes.' },
  );
}
