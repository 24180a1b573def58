import path from 'node:path';
import { hostPathProblem } from '../host/host-path.ts';
import { HostFileError, PassbenchError, UsageError, errorMessage } from '../errors.ts';
import type { Host } from '../host/host.ts';
import type { BindMethod } from '../pci/driver-ops.ts';
import { Mutex } from '../wait/index.ts';
import { syncToDisk } from './durable.ts';
import { validateJournal, validateStep } from './journal-schema.ts';
import type { JournalFile, JournalStep, NewStep } from './journal-steps.ts';

export { stepSubject, type DriverStep, type FilesStep, type JournalFile, type JournalStep, type NewStep, type NumVfsStep, type QemuStep } from './journal-steps.ts';

/**
 * The journal: a JSON file on the lab host, written BEFORE each change, so a killed run leaves
 * what `passbench restore` needs. A step is `pending` until its change is confirmed; restore
 * undoes pending steps too, since the change may have half happened.
 *
 * Every change re-reads the file, changes it and replaces it (Host.replaceFile: a temp file of its
 * own, fsynced, renamed, the folder fsynced): two writers in this process are serialised by a mutex per file, two processes
 * by the host lock (harness/scenario/host-lock.ts) that every host-changing command holds.
 */
export const DEFAULT_JOURNAL_PATH = '/var/lib/passbench/journal.json';

export class JournalError extends PassbenchError {}

/** The journal file exists but cannot be read as a journal (truncated by a crash, or not ours). */
export class CorruptJournalError extends JournalError {
  constructor(readonly file: string, readonly host: string, readonly text: string, why: string, cause?: unknown) {
    super(`journal ${file} on ${host} ${why}`, { cause, remedy: CorruptJournalError.remedyFor('passbench restore', file) });
  }

  /** What to do, with the host's complete restore command (restoreCommand) in it. */
  static remedyFor(restore: string, file: string): string {
    return `See what it holds with \`${restore} --show-journal\`, put back by hand what it names if needed, then \`${restore} --discard-journal\` `
      + `moves it aside (${file}.discarded-TIME) so runs and restores can go on.`;
  }
}

/** The path comes from --journal: a bad one is a usage error, found before anything changes. */
export function checkJournalPath(file: string): string {
  const problem = hostPathProblem(file, 'file');
  if (problem) {
    throw new UsageError(`journal path ${JSON.stringify(file)}: ${problem}`, {
      remedy: `Give --journal an absolute file path such as ${DEFAULT_JOURNAL_PATH}.`,
    });
  }
  return file;
}

/** One mutex per host connection and journal file: concurrent guest boots journal side by side. */
const writers = new WeakMap<Host, Map<string, Mutex>>();

function writerLock(host: Host, file: string): Mutex {
  let byPath = writers.get(host);
  if (!byPath) writers.set(host, byPath = new Map());
  let lock = byPath.get(file);
  if (!lock) byPath.set(file, lock = new Mutex());
  return lock;
}

export class Journal {
  private constructor(
    private readonly host: Host,
    readonly path: string,
    private data: JournalFile,
  ) {}

  /** The journal at `file`, or undefined when there is none. Throws CorruptJournalError when unreadable. */
  static async load(host: Host, file: string): Promise<Journal | undefined> {
    checkJournalPath(file);
    const data = await readJournal(host, file);
    return data && new Journal(host, file, data);
  }

  /** The existing journal (more changes are appended to it) or a new, empty one. */
  static async open(host: Host, file: string): Promise<Journal> {
    return (await Journal.load(host, file)) ?? new Journal(host, file, emptyJournal(host));
  }

  get steps(): readonly JournalStep[] {
    return this.data.steps;
  }

  /** Records a step as pending and saves, before the caller makes the change. */
  async begin(step: NewStep): Promise<number> {
    let id = 0;
    await this.change((data) => {
      id = data.steps.reduce((max, s) => Math.max(max, s.id), 0) + 1;
      const full = { ...step, id, status: 'pending' } as JournalStep;
      const problem = validateStep(full);
      if (problem) throw new JournalError(`journal ${this.path}: will not record ${JSON.stringify(step).slice(0, 200)}: ${problem}`);
      data.steps.push(full);
    });
    return id;
  }

  async done(id: number, extra: { method?: BindMethod } = {}): Promise<void> {
    await this.update(id, (step) => {
      step.status = 'done';
      if (extra.method && step.kind === 'driver') step.method = extra.method;
    });
  }

  /** Changes a step in place (a QEMU step learns its pid once QEMU wrote it). */
  async update(id: number, edit: (step: JournalStep) => void): Promise<void> {
    await this.change((data) => {
      const step = data.steps.find((s) => s.id === id);
      if (!step) throw new JournalError(`journal ${this.path}: no step ${id}`);
      edit(step);
    });
  }

  /** Forgets steps that were undone; removes the file once nothing is left. */
  async drop(ids: readonly number[]): Promise<void> {
    await this.change((data) => {
      data.steps = data.steps.filter((s) => !ids.includes(s.id));
    });
  }

  /** Re-read, edit, replace: what another writer added since this one last looked is kept. */
  private async change(edit: (data: JournalFile) => void): Promise<void> {
    await writerLock(this.host, this.path).use(async () => {
      const data = (await readJournal(this.host, this.path)) ?? emptyJournal(this.host);
      edit(data);
      this.data = data;
      if (data.steps.length === 0) {
        await this.host.remove(this.path);
        await syncToDisk(this.host, [path.posix.dirname(this.path)]);
      } else await this.save(data);
    });
  }

  private async save(data: JournalFile): Promise<void> {
    await this.host.mkdir(path.posix.dirname(this.path));
    // On disk, under its name, before the caller's sysfs write: after a power cut the journal
    // holds the step, or the file is the old one.
    await this.host.replaceFile(this.path, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  }
}

function emptyJournal(host: Host): JournalFile {
  return { version: 1, host: host.name, createdAt: new Date().toISOString(), steps: [] };
}

async function readJournal(host: Host, file: string): Promise<JournalFile | undefined> {
  // One request, not a look and then a read: the journal is read before every change.
  const text = await host.readFile(file).catch((error: unknown) => {
    if (error instanceof HostFileError && error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CorruptJournalError(file, host.name, text, `is not valid JSON (${errorMessage(error)}; ${text.length} bytes: truncated by a crash?)`, error);
  }
  const problem = validateJournal(parsed);
  if (problem) throw new CorruptJournalError(file, host.name, text, `was not written by this passbench: ${problem}`);
  return parsed as JournalFile;
}
