import { SshHost } from '../host/ssh-host.ts';
import { HostKeyMismatchError } from '../host/ssh-errors.ts';
import { waitUntil, type DeadlineLike, type Pace } from '../wait/index.ts';

export interface ConnectGuestOptions {
  /** The lab host the guest is reachable from (an SSH jump); absent: connect directly. */
  via?: SshHost;
  address: string;
  port: number;
  /** Default root. */
  user?: string;
  /** The guest's host key, OpenSSH public line (from makeGuestKeys): pinned, nothing else accepted. */
  hostKey: string;
  identityFile: string;
  /** Until SSH works. Nested guests under TCG need minutes: pass a Deadline from Pace.scaled. */
  deadline: DeadlineLike;
  /** Ends the wait at once with `abortError()`; a connection that comes up afterwards is closed. */
  signal?: AbortSignal;
  abortError?: () => Error;
  /** Scales the deadline of the connection's SFTP requests. */
  pace?: Pace;
  /** The console's last lines, for the timeout error (RunningGuest.consoleTail). */
  consoleTail?: () => Promise<string>;
  log?: (line: string) => void;
}

/** Per attempt: long enough for a key exchange in a nested TCG guest, short enough to retry a hung forward. */
const ATTEMPT_MAX_MS = 20_000;

/**
 * Waits until the guest's sshd answers with the pinned host key and accepts the key, and returns it
 * as a Host. A wrong host key fails at once (never retried); the deadline error shows the console.
 */
export async function connectGuest(o: ConnectGuestOptions): Promise<SshHost> {
  const started = Date.now();
  const target = `guest ${o.address}:${o.port}${o.via ? ` (via ${o.via.name})` : ''}`;
  let attempts = 0;
  let inFlight: Promise<SshHost> | undefined;
  try {
    const host = await waitUntil(`${target} to accept SSH`, (attempt) => {
      attempts = attempt.number;
      inFlight = SshHost.connect({
        address: o.address, port: o.port, user: o.user ?? 'root', identityFile: o.identityFile, hostKey: o.hostKey, via: o.via, pace: o.pace,
        connectTimeoutMs: Math.max(1_000, Math.min(ATTEMPT_MAX_MS, attempt.remainingMs)),
      });
      return inFlight;
    }, {
      deadline: o.deadline, intervalMs: 1_000, signal: o.signal, abortError: o.abortError,
      fatal: (error) => error instanceof HostKeyMismatchError,
      context: o.consoleTail ?? (() => '(no console)'), contextLabel: 'console\'s last lines',
      remedy: 'Read the console: did /init start dropbear ("services started")? Under nested TCG a guest boots in minutes.',
    });
    o.log?.(`ssh ${o.address}:${o.port} ready after ${((Date.now() - started) / 1000).toFixed(1)} s (${attempts} attempts)`);
    return host;
  } catch (error) {
    // Aborted mid-attempt: that attempt may still connect; nobody would close it.
    if (o.signal?.aborted) void inFlight?.then((h) => h.close(), () => undefined);
    throw error;
  }
}
