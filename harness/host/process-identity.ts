import type { Host } from './host.ts';

/**
 * What tells one process from another with the same pid (pids are reused): its start time, in
 * clock ticks after boot (/proc/PID/stat field 22), and its command line (/proc/PID/cmdline).
 */
export interface ProcessIdentity {
  pid: number;
  startTime: string;
  argv: string[];
}

/** The process `pid` on the host now, or undefined when there is none. */
export async function readProcessIdentity(host: Host, pid: number): Promise<ProcessIdentity | undefined> {
  if (!Number.isInteger(pid) || pid < 1) throw new RangeError(`not a process id: ${pid}`);
  let stat: string;
  let cmdline: string;
  try {
    stat = await host.readFile(`/proc/${pid}/stat`);
    cmdline = await host.readFile(`/proc/${pid}/cmdline`);
  } catch {
    return undefined; // gone (or gone between the two reads)
  }
  const startTime = parseStartTime(stat);
  if (startTime === undefined) return undefined;
  const argv = cmdline.split('\0');
  if (argv.at(-1) === '') argv.pop();
  return { pid, startTime, argv };
}

/**
 * Field 22 of /proc/PID/stat. Field 2 is the command name in parentheses and may itself hold
 * spaces and ")", so the count starts after the last ")": field 3 is the first after it.
 */
export function parseStartTime(stat: string): string | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = stat.slice(close + 1).trim().split(/\s+/);
  const value = fields[22 - 3];
  return value !== undefined && /^\d+$/.test(value) ? value : undefined;
}

/** This controller's own process's start time (undefined where there is no /proc). */
export async function ownStartTime(local: Host): Promise<string | undefined> {
  return (await readProcessIdentity(local, process.pid).catch(() => undefined))?.startTime;
}
