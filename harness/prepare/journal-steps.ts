import type { Bdf } from '../pci/bdf.ts';
import type { BindMethod } from '../pci/driver-ops.ts';

/**
 * What the journal records, one kind of step per change passbench makes on (or for) a lab host.
 * Each names what restore needs to put it back without asking anything else.
 */
interface StepBase {
  id: number;
  status: 'pending' | 'done';
}

export interface DriverStep extends StepBase {
  kind: 'driver';
  bdf: Bdf;
  /**
   * As found before the change; `override: null` means the kernel has no driver_override; `up`:
   * its network interfaces that were up (restore sets the device's interfaces up again).
   */
  before: { driver?: string; override?: string | null; up?: string[] };
  target: string;
  method?: BindMethod;
}

export interface NumVfsStep extends StepBase {
  kind: 'numvfs';
  bdf: Bdf;
  before: { numVfs: number };
  target: number;
}

/**
 * A guest's QEMU on the lab host. Written before QEMU is spawned (argv and pid file), completed
 * with its pid and start time once QEMU wrote its pid file. Restore stops it only while that pid
 * is still this QEMU: same start time (/proc/PID/stat field 22) and same command line.
 */
export interface QemuStep extends StepBase {
  kind: 'qemu';
  guest: string;
  argv: string[];
  pidFile?: string;
  pid?: number;
  /** Clock ticks after boot, as /proc/PID/stat says: a pid reused by another process differs here. */
  startTime?: string;
  /** The devices it holds (-device vfio-pci,host=…): their restore waits for this QEMU to be gone. */
  devices: Bdf[];
}

/**
 * A folder passbench made that holds secrets (a guest's keys): on the lab host (`where: host`), or
 * on the controller that ran the command (`where: controller`, named by its host name).
 */
export interface FilesStep extends StepBase {
  kind: 'files';
  where: 'host' | 'controller';
  controller?: string;
  path: string;
  /** The guest whose QEMU reads them: removed after that QEMU is stopped. */
  guest?: string;
}

export type JournalStep = DriverStep | NumVfsStep | QemuStep | FilesStep;

type New<T> = Omit<T, 'id' | 'status'>;
export type NewStep = New<DriverStep> | New<NumVfsStep> | New<QemuStep> | New<FilesStep>;

export interface JournalFile {
  version: 1;
  host: string;
  createdAt: string;
  steps: JournalStep[];
}

/** What a step is about, for messages: a BDF, a guest's QEMU, or a folder. */
export function stepSubject(step: JournalStep): string {
  if (step.kind === 'qemu') return `QEMU of guest ${step.guest}${step.pid ? ` (pid ${step.pid})` : ''}`;
  if (step.kind === 'files') return step.where === 'host' ? step.path : `${step.path} on controller ${step.controller}`;
  return step.bdf;
}
