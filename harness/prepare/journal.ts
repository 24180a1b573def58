import path from 'node:path';
import { PassbenchError, UsageError } from '../errors.ts';
import type { Host } from '../host/host.ts';
import { isBdf, type Bdf } from '../pci/bdf.ts';
import type { BindMethod } from '../pci/driver-ops.ts';
import { driverPath } from '../pci/sysfs-write.ts';

/**
 * The journal: a JSON file on the lab host, written (temp file + rename) BEFORE each change, so a
 * killed run leaves what `passbench restore` needs. A step is `pending` until its change is
 * confirmed; restore undoes pending steps too, since the change may have half happened.
 */
export const DEFAULT_JOURNAL_PATH = '/var/lib/passbench/journal.json';

export interface DriverStep {
  id: number;
  kind: 'driver';
  bdf: Bdf;
  /** As found before the change; `override: null` means the kernel has no driver_override. */
  before: { driver?: string; override?: string | null };
  target: string;
  method?: BindMethod;
  status: 'pending' | 'done';
}

export interface NumVfsStep {
  id: number;
  kind: 'numvfs';
  bdf: Bdf;
  before: { numVfs: number };
  target: number;
  status: 'pending' | 'done';
}

export type JournalStep = DriverStep | NumVfsStep;
export type NewStep = Omit<DriverStep, 'id' | 'status'> | Omit<NumVfsStep, 'id' | 'status'>;

interface JournalFile {
  version: 1;
  host: string;
  createdAt: string;
  steps: JournalStep[];
}

export class JournalError extends PassbenchError {}

/** The path comes from --journal: a bad one is a usage error, found before anything changes. */
export function checkJournalPath(file: string): string {
  if (!path.posix.isAbsolute(file) || file.split('/').includes('..') || file.endsWith('/')) {
    throw new UsageError(`journal path ${JSON.stringify(file)} must be an absolute file path without ".."`, {
      remedy: `Give --journal an absolute path such as ${DEFAULT_JOURNAL_PATH}.`,
    });
  }
  return file;
}

export class Journal {
  private constructor(
    private readonly host: Host,
    readonly path: string,
    private data: JournalFile,
  ) {}

  /** The journal at `file`, or undefined when there is none. */
  static async load(host: Host, file: string): Promise<Journal | undefined> {
    checkJournalPath(file);
    if (!(await host.exists(file))) return undefined;
    const text = await host.readFile(file);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new JournalError(`journal ${file} on ${host.name} is not valid JSON`, {
        cause: error,
        remedy: `Inspect it; if the host is already as it should be, delete ${file}.`,
      });
    }
    return new Journal(host, file, validateJournal(parsed, file));
  }

  /** The existing journal (more changes are appended to it) or a new, empty one. */
  static async open(host: Host, file: string): Promise<Journal> {
    return (
      (await Journal.load(host, file)) ??
      new Journal(host, file, { version: 1, host: host.name, createdAt: new Date().toISOString(), steps: [] })
    );
  }

  get steps(): readonly JournalStep[] {
    return this.data.steps;
  }

  /** Records a step as pending and saves, before the caller makes the change. */
  async begin(step: NewStep): Promise<number> {
    const id = this.data.steps.reduce((max, s) => Math.max(max, s.id), 0) + 1;
    this.data.steps.push({ ...step, id, status: 'pending' } as JournalStep);
    await this.save();
    return id;
  }

  async done(id: number, extra: { method?: BindMethod } = {}): Promise<void> {
    const step = this.data.steps.find((s) => s.id === id);
    if (!step) throw new JournalError(`journal ${this.path}: no step ${id}`);
    step.status = 'done';
    if (extra.method && step.kind === 'driver') step.method = extra.method;
    await this.save();
  }

  /** Forgets steps that were undone; removes the file once nothing is left. */
  async drop(ids: readonly number[]): Promise<void> {
    this.data.steps = this.data.steps.filter((s) => !ids.includes(s.id));
    if (this.data.steps.length === 0) await this.host.remove(this.path);
    else await this.save();
  }

  private async save(): Promise<void> {
    const tmp = `${this.path}.tmp`;
    await this.host.mkdir(path.posix.dirname(this.path));
    await this.host.writeFile(tmp, `${JSON.stringify(this.data, null, 2)}\n`, { mode: 0o600 });
    await this.host.rename(tmp, this.path);
  }
}

/** The journal's BDFs and driver names reach sysfs paths, so they are checked like user input. */
function validateJournal(value: unknown, file: string): JournalFile {
  const bad = (what: string) =>
    new JournalError(`journal ${file}: ${what}`, { remedy: `Fix or remove ${file}; it was not written by this passbench.` });
  const j = value as Partial<JournalFile>;
  if (!j || j.version !== 1 || !Array.isArray(j.steps)) throw bad('not a version 1 journal');
  for (const s of j.steps as Partial<JournalStep>[]) {
    if (typeof s.id !== 'number' || !isBdf(String(s.bdf)) || (s.status !== 'pending' && s.status !== 'done')) {
      throw bad(`step ${JSON.stringify(s)} is malformed`);
    }
    if (s.kind === 'driver') {
      for (const d of [s.target, s.before?.driver, s.before?.override]) {
        if (typeof d !== 'string') continue;
        try { driverPath(d); } catch { throw bad(`step ${s.id}: ${JSON.stringify(d)} is not a driver name`); }
      }
    } else if (s.kind === 'numvfs') {
      if (!Number.isInteger(s.before?.numVfs) || !Number.isInteger(s.target)) throw bad(`step ${s.id}: numvfs not integers`);
    } else throw bad(`step ${s.id}: unknown kind`);
  }
  return j as JournalFile;
}
