/**
 * Bookkeeping for the processes one measurement starts (iperf3 servers and clients, ping): each
 * wait has a deadline, and `killAll` ends whatever is still running, so nothing outlives the
 * measurement, whichever way it ends.
 */
import { PassbenchError, TimeoutError } from '../errors.ts';
import type { Host, HostProcess, SpawnOptions } from '../host/host.ts';

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

/** The promise's value, or undefined once `ms` have passed. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Races `promise` against a deadline and an AbortSignal: a TimeoutError naming `what` after `ms`,
 * a MeasurementAbortedError on abort.
 */
export async function deadline<T>(promise: Promise<T>, ms: number, what: string, signal?: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const limits = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what}: no result after ${ms} ms`)), ms);
    if (signal) {
      onAbort = () => reject(new MeasurementAbortedError(what));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  try {
    return await Promise.race([promise, limits]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new MeasurementAbortedError(what);
}
