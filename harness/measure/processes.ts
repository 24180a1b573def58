/**
 * Bookkeeping for the processes one measurement starts (iperf3 servers and clients, ping): each
 * wait has a deadline, and `killAll` ends whatever is still running, so nothing outlives the
 * measurement, whichever way it ends.
 */
import { PassbenchError } from '../errors.ts';
import type { Host, HostProcess, SpawnOptions } from '../host/host.ts';
import { within, withDeadline, type DeadlineLike } from '../wait/index.ts';

export interface Tracked {
  host: Host;
  process: HostProcess;
  /** Every line it printed (stdout and stderr), for error messages. */
  lines: string[];
  /** Set once it has exited. */
  exit?: { exitCode: number | null; signal: string | null };
}

/** The measurement was cancelled through its AbortSignal; its processes were killed. */
export class MeasurementAbortedError extends PassbenchError {
  constructor(what: string) {
    super(`${what} aborted; its processes were killed`);
  }
}

export class ProcessGroup {
  private readonly tracked: Tracked[] = [];

  async spawn(host: Host, argv: readonly string[], onLine?: SpawnOptions['onLine']): Promise<Tracked> {
    const lines: string[] = [];
    const process = await host.spawn(argv, {
      onLine: (line, stream) => {
        lines.push(line);
        onLine?.(line, stream);
      },
    });
    const entry: Tracked = { host, process, lines };
    void process.exited.then((exit) => (entry.exit = exit));
    this.tracked.push(entry);
    return entry;
  }

  /** SIGKILL to everything still running, then a bounded wait for each to end. Never throws. */
  async killAll(graceMs = 5_000): Promise<string[]> {
    const lingering: string[] = [];
    await Promise.all(this.tracked.filter((t) => !t.exit).map(async (t) => {
      await t.process.kill('SIGKILL').catch(() => undefined);
      const ended = await within(t.process.exited, graceMs);
      if (!ended) lingering.push(`${t.process.argv.join(' ')} on ${t.host.name}`);
    }));
    return lingering;
  }
}

/**
 * Runs `body` with a fresh group and kills what it left running, however it ended; processes that
 * survive SIGKILL are an error of their own (after a success) or noted on the body's error.
 */
export async function withProcessGroup<T>(what: string, body: (group: ProcessGroup) => Promise<T>): Promise<T> {
  const group = new ProcessGroup();
  let result: T;
  try {
    result = await body(group);
  } catch (error) {
    const lingering = await group.killAll();
    if (lingering.length && error instanceof Error) error.message += `; still running after SIGKILL: ${lingering.join('; ')}`;
    throw error;
  }
  const lingering = await group.killAll();
  if (lingering.length) throw new PassbenchError(`${what}: still running after SIGKILL: ${lingering.join('; ')}`);
  return result;
}

/**
 * Races `promise` against a deadline and an AbortSignal: a TimeoutError "<what>: no result after
 * N ms (deadline …)" after the deadline, a MeasurementAbortedError on abort.
 */
export function deadline<T>(promise: Promise<T>, limit: DeadlineLike, what: string, signal?: AbortSignal): Promise<T> {
  return withDeadline(promise, limit, what, { signal, abortError: () => new MeasurementAbortedError(what) });
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new MeasurementAbortedError(what);
}
