import { PassbenchError } from '../errors.ts';
import type { Host } from '../host/host.ts';
import { readProcessIdentity, type ProcessIdentity } from '../host/process-identity.ts';
import { WaitTimeoutError, waitUntil } from '../wait/index.ts';
import type { QemuStep } from './journal-steps.ts';

/**
 * Restore's side of a journalled guest QEMU: stop it, and only it. The pid (from the journal, or
 * from the pid file QEMU wrote) must still be that QEMU: the same start time when it was
 * recorded, and the same command line. SIGTERM first (QEMU exits cleanly and lets go of the
 * devices), SIGKILL when it does not go.
 */
export interface StopQemuOptions {
  /** How long QEMU gets after SIGTERM. Default 10 s. */
  termMs?: number;
  /** How long after SIGKILL before giving up. Default 15 s. */
  killMs?: number;
}

/** `stopped`: it was running and now is not; otherwise why nothing was done. */
export type QemuStopResult = { stopped: true; pid: number } | { stopped: false; note: string };

export class QemuStopError extends PassbenchError {}

export async function stopJournalledQemu(host: Host, step: QemuStep, o: StopQemuOptions = {}): Promise<QemuStopResult> {
  const pid = step.pid ?? (await pidFromFile(host, step.pidFile));
  if (pid === undefined) return { stopped: false, note: `QEMU of guest ${step.guest} left no pid${step.pidFile ? ` in ${step.pidFile}` : ''}: it never started` };
  const now = await readProcessIdentity(host, pid);
  const mismatch = differs(step, now);
  if (mismatch) return { stopped: false, note: `QEMU of guest ${step.guest} (pid ${pid}) is not running: ${mismatch}` };
  // Done waiting once the pid is no longer this QEMU (gone, or already someone else's).
  const gone = async () => (differs(step, await readProcessIdentity(host, pid)) ? true : undefined);
  await signal(host, pid, 'TERM');
  try {
    await waitUntil(`QEMU pid ${pid} to exit after SIGTERM`, gone, { deadline: o.termMs ?? 10_000, intervalMs: 200 });
    return { stopped: true, pid };
  } catch (error) {
    if (!(error instanceof WaitTimeoutError)) throw error;
  }
  await signal(host, pid, 'KILL');
  try {
    await waitUntil(`QEMU pid ${pid} to exit after SIGKILL`, gone, { deadline: o.killMs ?? 15_000, intervalMs: 200 });
  } catch (error) {
    throw new QemuStopError(`QEMU of guest ${step.guest} (pid ${pid}) on ${host.name} did not exit after SIGTERM and SIGKILL`, {
      cause: error, remedy: `Look at it on the host (\`ps -o pid,stat,wchan:30,cmd -p ${pid}\`; state D is a stuck device), then run restore again.`,
    });
  }
  return { stopped: true, pid };
}

/** Why the process now at the pid is not the journalled QEMU, or undefined when it is. */
function differs(step: QemuStep, now: ProcessIdentity | undefined): string | undefined {
  if (!now) return 'no such process';
  if (step.startTime !== undefined && now.startTime !== step.startTime) return `the pid now belongs to a process started at ${now.startTime}, not ${step.startTime}; left alone`;
  if (now.argv.length !== step.argv.length || now.argv.some((a, i) => a !== step.argv[i])) {
    return `the pid now runs \`${now.argv.slice(0, 3).join(' ')}…\`, not this QEMU; left alone`;
  }
  return undefined;
}

async function pidFromFile(host: Host, pidFile: string | undefined): Promise<number | undefined> {
  if (!pidFile) return undefined;
  const text = await host.readFile(pidFile).catch(() => '');
  return /^\s*\d+\s*$/.test(text) && Number(text) > 1 ? Number(text) : undefined;
}

async function signal(host: Host, pid: number, name: 'TERM' | 'KILL'): Promise<void> {
  // Exit 1 when it ended in between: the wait that follows sees it gone.
  await host.run(['kill', `-${name}`, String(pid)], { allowFailure: true, timeoutMs: 15_000 });
}
