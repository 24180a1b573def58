import os from 'node:os';
import path from 'node:path';
import { PassbenchError } from '../errors.ts';
import type { Host } from '../host/host.ts';

/**
 * One run per lab host at a time: a lock directory on the lab host (mkdir is atomic: it fails when
 * the directory exists), holding owner.json with the run id, pid and controller. A lock whose
 * owner is gone is reported as stale with how to clear it, never taken over silently: the run
 * that left it may also have left a journal to restore.
 */
export interface LockOwner {
  runId: string;
  pid: number;
  controller: string;
  scenario: string;
  startedAt: string;
}

export class LockError extends PassbenchError {
  constructor(message: string, readonly owner: LockOwner | undefined, readonly stale: boolean, remedy: string) {
    super(message, { remedy });
  }
}

export interface HostLock {
  path: string;
  release(): Promise<void>;
}

/** Is a pid on this controller still running (signal 0)? */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireHostLock(
  host: Host,
  hostName: string,
  lockDir: string,
  owner: LockOwner,
  o: { isAlive?: (pid: number) => boolean; controller?: string } = {},
): Promise<HostLock> {
  await host.mkdir(path.posix.dirname(lockDir));
  const made = await host.run(['mkdir', '-m', '0700', '--', lockDir], { allowFailure: true });
  if (made.exitCode !== 0) {
    if (!(await host.exists(lockDir))) {
      throw new PassbenchError(`host ${hostName}: cannot create the run lock ${lockDir}: ${made.stderr.trim()}`, {
        remedy: `Check that ${path.posix.dirname(lockDir)} is writable by the SSH user.`,
      });
    }
    throw await heldError(host, hostName, lockDir, o.isAlive ?? pidAlive, o.controller ?? os.hostname());
  }
  await host.writeFile(`${lockDir}/owner.json`, `${JSON.stringify(owner, null, 2)}\n`, { mode: 0o600 });
  return { path: lockDir, release: () => host.remove(lockDir) };
}

async function heldError(host: Host, hostName: string, lockDir: string, isAlive: (pid: number) => boolean, controller: string): Promise<LockError> {
  const clear = `If no passbench run is using ${hostName}: run \`passbench restore --host ${hostName}\`, then remove the lock on the host with \`rm -r ${lockDir}\`.`;
  let owner: LockOwner | undefined;
  try {
    owner = JSON.parse(await host.readFile(`${lockDir}/owner.json`)) as LockOwner;
  } catch {
    return new LockError(`host ${hostName} is locked (${lockDir}) but the lock names no owner: a run died while taking it`, undefined, true, clear);
  }
  const who = `run ${owner.runId} (${owner.scenario}, pid ${owner.pid} on ${owner.controller}, since ${owner.startedAt})`;
  if (owner.controller === controller && !isAlive(owner.pid)) {
    return new LockError(`host ${hostName}: stale lock ${lockDir}: ${who} is gone`, owner, true, clear);
  }
  return new LockError(`host ${hostName} is busy: ${who} holds ${lockDir}`, owner, false,
    `Wait for that run to end${owner.controller === controller ? '' : ` (check on ${owner.controller})`}. ${clear}`);
}
