import path from 'node:path';
import { isBdf } from '../pci/bdf.ts';
import { driverPath } from '../pci/sysfs-write.ts';
import { INTERFACE_NAME } from '../pci/interface-name.ts';

/**
 * The journal's contents reach sysfs paths, `kill` and `rm -r`, so they are checked like user
 * input: BDFs and driver names as such, pids as numbers, and folders only where passbench makes
 * them (a guest's keys: /run/passbench/guests/NAME on the lab host, passbench-guests-* in a temp
 * folder on the controller). Returns what is wrong, or undefined.
 */
export const HOST_FILES = /^\/run\/passbench\/guests\/[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const CONTROLLER_FILES = /^\/[A-Za-z0-9._/-]*\/passbench-guests-[A-Za-z0-9._-]+$/;

/** What is wrong with one step about to be journalled (a caller's bug: never write what restore would refuse). */
export function validateStep(step: unknown): string | undefined {
  return stepProblem(step as Record<string, unknown>);
}

export function validateJournal(value: unknown): string | undefined {
  const j = value as { version?: unknown; steps?: unknown } | null;
  if (!j || typeof j !== 'object' || j.version !== 1 || !Array.isArray(j.steps)) return 'not a version 1 journal';
  for (const s of j.steps as Record<string, unknown>[]) {
    const problem = stepProblem(s);
    if (problem) return `step ${JSON.stringify(s).slice(0, 200)}: ${problem}`;
  }
  return undefined;
}

function stepProblem(s: Record<string, unknown> | null): string | undefined {
  if (!s || typeof s !== 'object' || typeof s.id !== 'number') return 'malformed';
  if (s.status !== 'pending' && s.status !== 'done') return 'malformed status';
  switch (s.kind) {
    case 'driver': {
      if (!isBdf(String(s.bdf))) return 'malformed BDF';
      const before = (s.before ?? {}) as Record<string, unknown>;
      for (const d of [s.target, before.driver, before.override]) {
        if (typeof d !== 'string') continue;
        try { driverPath(d); } catch { return `${JSON.stringify(d)} is not a driver name`; }
      }
      if (before.up !== undefined && !(Array.isArray(before.up) && before.up.every((n) => typeof n === 'string' && INTERFACE_NAME.test(n)))) return 'malformed interface names';
      return undefined;
    }
    case 'numvfs':
      if (!isBdf(String(s.bdf))) return 'malformed BDF';
      return Number.isInteger((s.before as { numVfs?: unknown } | undefined)?.numVfs) && Number.isInteger(s.target) ? undefined : 'numvfs not integers';
    case 'qemu':
      if (typeof s.guest !== 'string' || !Array.isArray(s.argv) || !s.argv.every((a) => typeof a === 'string')) return 'malformed QEMU';
      if (s.pid !== undefined && !(Number.isInteger(s.pid) && (s.pid as number) > 1)) return 'pid not a process id';
      if (s.startTime !== undefined && !/^\d+$/.test(String(s.startTime))) return 'start time not a number';
      // Only read (never written or removed), and what it names is checked against argv before any signal.
      if (s.pidFile !== undefined && (!path.posix.isAbsolute(String(s.pidFile)) || String(s.pidFile).split('/').includes('..'))) return 'pid file not an absolute path';
      return Array.isArray(s.devices) && s.devices.every((d) => isBdf(String(d))) ? undefined : 'malformed devices';
    case 'files': {
      const p = String(s.path);
      if (p.split('/').includes('..')) return 'path with ".."';
      if (s.where === 'host') return HOST_FILES.test(p) ? undefined : 'host folder outside /run/passbench/guests';
      if (s.where === 'controller') return CONTROLLER_FILES.test(p) && typeof s.controller === 'string' ? undefined : 'controller folder not a passbench-guests-* folder';
      return 'unknown place';
    }
    default:
      return 'unknown kind';
  }
}
