import os from 'node:os';
import path from 'node:path';
import { PassbenchError } from '../errors.ts';
import type { Host } from '../host/host.ts';
import { LocalHost } from '../host/local-host.ts';
import { ownStartTime, readProcessIdentity } from '../host/process-identity.ts';
import { WaitTimeoutError, delay, waitUntil } from '../wait/index.ts';

/**
 * One host-changing passbench at a time per lab host (run, bind, sriov, restore): a lock directory
 * on the lab host (mkdir is atomic: it fails when the directory exists), holding owner.json with
 * the command, pid and controller. A second command is told who holds it (exit 3), or waits for
 * it (`--wait`). A lock whose owner is gone (same controller, pid no longer that process) is
 * stale: only `restore` takes it over, and says so, since the dead one may have left a journal.
 */
export interface LockOwner {
  /** `run`, `bind`, `sriov`, `restore`. Older locks (runs only) have none. */
  command?: string;
  runId?: string;
  scenario?: string;
  pid: number;
  /** The pid's start time on its controller (/proc/PID/stat field 22): pids are reused. */
  pidStart?: string;
  controller: string;
  startedAt: string;
}

/** Held by another command (or stale): exit 3, like any host that is not available. */
export class LockError extends PassbenchError {
  /** ExitCode.unfit (harness/cli/exit-codes.ts): the CLI exits with it. */
  readonly exitCode = 3;
  constructor(message: string, readonly owner: LockOwner | undefined, readonly stale: boolean, remedy: string) {
    super(message, { remedy });
  }
}

export interface HostLock {
  path: string;
  /** Set when this lock replaced a stale one (restore only): its owner, if it named one. */
  tookOver?: { owner?: LockOwner };
  release(): Promise<void>;
}

export interface LockOptions {
  /** Is a pid on this controller still the process that took the lock? Default: signal 0 + start time. */
  isAlive?: (pid: number, pidStart?: string) => boolean | Promise<boolean>;
  /** This controller's name. Default: os.hostname(). */
  controller?: string;
  /** Wait this long for a held lock to be released. Default 0: refuse at once. */
  waitS?: number;
  /** Restore: a stale lock is taken over instead of refused. */
  takeOverStale?: boolean;
  /** `passbench restore …` for this host, as the user would type it (the remedies name it). */
  restoreCommand?: string;
  /** How often a waiting command looks again. Default 1 s. */
  pollMs?: number;
  /** How long a lock without owner.json may be in the making before it counts as stale. Default 2 s. */
  ownerGraceMs?: number;
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

/** Alive and, when its start time was recorded, still the same process (not a reused pid). */
export async function ownerAlive(pid: number, pidStart?: string): Promise<boolean> {
  if (!pidAlive(pid)) return false;
  if (pidStart === undefined) return true;
  const now = await readProcessIdentity(new LocalHost(), pid).catch(() => undefined);
  return now === undefined ? true : now.startTime === pidStart;
}

/** This process as a lock owner. */
export async function lockOwner(command: string, extra: Partial<LockOwner> = {}): Promise<LockOwner> {
  return {
    command, pid: process.pid, pidStart: await ownStartTime(new LocalHost()), controller: os.hostname(),
    startedAt: new Date().toISOString(), ...extra,
  };
}

export async function acquireHostLock(host: Host, hostName: string, lockDir: string, owner: LockOwner, o: LockOptions = {}): Promise<HostLock> {
  await host.mkdir(path.posix.dirname(lockDir));
  const attempt = async (): Promise<HostLock | LockError> => {
    let held: LockError | 'released';
    do {
      if (await tryMkdir(host, hostName, lockDir)) return claimed(host, lockDir, owner);
      held = await heldError(host, hostName, lockDir, o);
    } while (held === 'released'); // let go while we looked: try again at once
    if (!held.stale || !o.takeOverStale) return held;
    const taken = await takeOver(host, hostName, lockDir, held.owner);
    return taken ? { ...(await claimed(host, lockDir, owner)), tookOver: { owner: held.owner } } : held;
  };
  const first = await attempt();
  if (!(first instanceof LockError)) return first;
  if (!o.waitS || first.stale) throw first;
  let last = first;
  try {
    return await waitUntil(`the lock ${lockDir} on ${hostName}`, async () => {
      const next = await attempt();
      if (next instanceof LockError) {
        last = next;
        if (next.stale) throw next;
        return undefined;
      }
      return next;
    }, { deadline: o.waitS * 1000, intervalMs: o.pollMs ?? 1000, fatal: (e) => e instanceof LockError });
  } catch (error) {
    if (error instanceof WaitTimeoutError) throw new LockError(`${last.message} (waited ${o.waitS} s)`, last.owner, false, last.remedy ?? '');
    throw error;
  }
}

/**
 * Takes the lock for `work`, releases it however the work ends. What every host-changing command
 * goes through; `restore` passes takeOverStale and gets the stale owner in `onTakeOver`.
 */
export async function withHostLock<T>(
  host: Host, hostName: string, lockDir: string, owner: LockOwner, o: LockOptions & { onTakeOver?: (stale: LockOwner | undefined) => void },
  work: (lock: HostLock) => Promise<T>,
): Promise<T> {
  const lock = await acquireHostLock(host, hostName, lockDir, owner, o);
  if (lock.tookOver) o.onTakeOver?.(lock.tookOver.owner);
  try {
    return await work(lock);
  } finally {
    await lock.release();
  }
}

async function tryMkdir(host: Host, hostName: string, lockDir: string): Promise<boolean> {
  const made = await host.run(['mkdir', '-m', '0700', '--', lockDir], { allowFailure: true });
  if (made.exitCode === 0) return true;
  if (!(await host.exists(lockDir))) {
    throw new PassbenchError(`host ${hostName}: cannot create the lock ${lockDir}: ${made.stderr.trim()}`, {
      remedy: `Check that ${path.posix.dirname(lockDir)} is writable by the SSH user.`,
    });
  }
  return false;
}

async function claimed(host: Host, lockDir: string, owner: LockOwner): Promise<HostLock> {
  await host.writeFile(`${lockDir}/owner.json`, `${JSON.stringify(owner, null, 2)}\n`, { mode: 0o600 });
  return { path: lockDir, release: () => host.remove(lockDir) };
}

/**
 * Moves the stale lock aside (rename is atomic: of two restores only one gets it), checks that
 * what it moved is the stale one it judged (not a lock taken in between), and takes a fresh one.
 */
async function takeOver(host: Host, hostName: string, lockDir: string, stale: LockOwner | undefined): Promise<boolean> {
  const aside = `${lockDir}.stale-${process.pid}-${Date.now()}`;
  try {
    await host.rename(lockDir, aside);
  } catch {
    return false;
  }
  const moved = await readOwner(host, aside);
  if (!sameOwner(moved, stale)) {
    await host.rename(aside, lockDir).catch(() => undefined);
    return false;
  }
  await host.remove(aside);
  return tryMkdir(host, hostName, lockDir).catch(() => false);
}

function sameOwner(a: LockOwner | undefined, b: LockOwner | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.pid === b.pid && a.controller === b.controller && a.startedAt === b.startedAt);
}

async function readOwner(host: Host, lockDir: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await host.readFile(`${lockDir}/owner.json`)) as LockOwner;
    return typeof owner?.pid === 'number' ? owner : undefined;
  } catch {
    return undefined;
  }
}

export function describeOwner(owner: LockOwner): string {
  const what = owner.runId ? `run ${owner.runId} (${owner.scenario ?? '?'}, ` : `passbench ${owner.command ?? '?'} (`;
  return `${what}pid ${owner.pid} on ${owner.controller}, since ${owner.startedAt})`;
}

/** Why the lock cannot be had, or `released` when its holder let go of it while we looked. */
async function heldError(host: Host, hostName: string, lockDir: string, o: LockOptions): Promise<LockError | 'released'> {
  const restore = o.restoreCommand ?? `passbench restore --host ${hostName}`;
  const clear = `If no passbench is using ${hostName}: run \`${restore}\` (it takes over a lock whose owner is gone), or remove the lock on the host with \`rm -r ${lockDir}\`.`;
  // mkdir and owner.json are two steps: give a command in between them the time to finish.
  const graceEnds = Date.now() + (o.ownerGraceMs ?? 2000);
  let owner = await readOwner(host, lockDir);
  while (!owner) {
    if (!(await host.exists(lockDir))) return 'released';
    if (Date.now() >= graceEnds) break;
    await delay(100);
    owner = await readOwner(host, lockDir);
  }
  if (!owner) return new LockError(`host ${hostName} is locked (${lockDir}) but the lock names no owner: a passbench died while taking it`, undefined, true, clear);
  const who = describeOwner(owner);
  const controller = o.controller ?? os.hostname();
  const alive = owner.controller !== controller || (await (o.isAlive ?? ownerAlive)(owner.pid, owner.pidStart));
  if (!alive) return new LockError(`host ${hostName}: stale lock ${lockDir}: ${who} is gone`, owner, true, clear);
  return new LockError(`host ${hostName} is busy: ${who} holds ${lockDir}`, owner, false,
    `Wait for it to end (or add --wait SECONDS)${owner.controller === controller ? '' : `; it runs on ${owner.controller}: check there`}. ${clear}`);
}
