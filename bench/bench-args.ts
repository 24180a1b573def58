/** What the benches share: their command-line values and the CPU time processes have used. */
import fs from 'node:fs/promises';

/** `--name VALUE` from the command line, or the fallback. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? String(process.argv[i + 1]) : fallback;
}

/**
 * CPU seconds from /proc/PID/stat (clock ticks of 1/100 s): `own` is the process's user + system
 * time, `children` its waited-for children's (fields 14–15 and 16–17); undefined without /proc.
 */
export async function cpuSeconds(pid: number | 'self' = 'self'): Promise<{ own: number; children: number } | undefined> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields === undefined) return undefined;
  return { own: (Number(fields[11]) + Number(fields[12])) / 100, children: (Number(fields[13]) + Number(fields[14])) / 100 };
}

/**
 * CPU seconds of this process's finished children (the benches time each call as a child): on a
 * busy 2-core lab machine the wall time says more about the neighbours than about passbench.
 */
export async function childrenCpu(): Promise<number | undefined> {
  return (await cpuSeconds())?.children;
}
