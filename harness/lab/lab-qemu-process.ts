import type { Host } from '../host/host.ts';
import { WaitTimeoutError, waitUntil } from '../wait/index.ts';

// The virtual lab's daemonized QEMUs (the lab host, its traffic host): found by pid file, stopped.

/** How long a lab QEMU gets to exit after SIGTERM, and after SIGKILL (which it cannot refuse: only a hung I/O delays it). */
const TERM_GRACE_MS = 5_000;
const KILL_DEADLINE_MS = 30_000;

/** The pid a QEMU pid file names, or undefined. */
export async function readPid(host: Host, pidFile: string): Promise<number | undefined> {
  // QEMU removes its own pid file as it exits, so the file may vanish between any two looks.
  const text = await host.readFile(pidFile).catch(() => '');
  const pid = Number(text.trim());
  return text && Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/** True when pid is a live QEMU (checked through /proc/<pid>/comm, not just the pid). */
export async function isLiveQemu(host: Host, pid: number): Promise<boolean> {
  const comm = await host.readFile(`/proc/${pid}/comm`).catch(() => '');
  if (!comm.trim().startsWith('qemu-system')) return false;
  // A daemonized QEMU that exited is a zombie until init reaps it: not running.
  const stat = await host.readFile(`/proc/${pid}/stat`).catch(() => '');
  const stateChar = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return stateChar !== '' && stateChar !== 'Z' && stateChar !== 'X';
}

/** Stops the QEMU a pid file names, if it is one and alive: SIGTERM, then SIGKILL. */
export async function stopQemu(host: Host, pidFile: string, what: string, dir: string): Promise<boolean> {
  const pid = await readPid(host, pidFile);
  // Follow the pid read once: QEMU deletes the pid file before it is gone.
  if (pid === undefined || !(await isLiveQemu(host, pid))) return false;
  const exited = async () => ((await isLiveQemu(host, pid)) ? undefined : true);
  await host.run(['kill', '-TERM', String(pid)], { allowFailure: true });
  const termed = await waitUntil(`${what} (pid ${pid}) to exit after SIGTERM`, exited, { deadline: TERM_GRACE_MS, intervalMs: 100 })
    .catch((error: unknown) => {
      if (error instanceof WaitTimeoutError) return false;
      throw error;
    });
  if (!termed) {
    await host.run(['kill', '-KILL', String(pid)], { allowFailure: true });
    await waitUntil(`${what} (pid ${pid}) to exit after SIGKILL`, exited, {
      deadline: KILL_DEADLINE_MS, intervalMs: 100,
      remedy: `See \`ps -o pid,stat,wchan -p ${pid}\`: a QEMU in state D waits for I/O (a hung 9p share?) and exits when that ends; `
        + `then run \`passbench lab down\` again to remove the run files in ${dir}.`,
    });
  }
  return true;
}
