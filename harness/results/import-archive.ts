/**
 * `passbench history import` over a lab's archive: many run directories (or folders of them)
 * in one call. Runs are read a few at a time and stored in batches, one transaction a batch
 * (history.importRuns), which is what makes a thousand runs take seconds instead of minutes.
 *
 * Nothing one directory does stops the others: a directory that is not a run, a run file that
 * does not parse, or a run the database refuses is reported by name with why, and the import
 * goes on. A run already in the history as it is in its directory is skipped, not duplicated.
 */
import path from 'node:path';
import { errorMessage, PassbenchError } from '../errors.ts';
import type { History, ImportOutcome } from './history.ts';
import { readRunDir, type RunData } from './run-reader.ts';
import type { FoundRunDirs, PathProblem } from './run-dirs.ts';

export interface ImportedRun {
  runId: string;
  dir: string;
  status: RunData['meta']['status'];
  outcome: ImportOutcome;
  warnings?: string[];
}

export type ImportFailure = PathProblem;

export interface ImportCounts {
  /** Run directories found (failures of paths that named no run are not among them). */
  total: number;
  done: number;
  imported: number;
  replaced: number;
  skipped: number;
  failed: number;
  elapsedMs: number;
}

export interface ImportSummary extends ImportCounts {
  runs: ImportedRun[];
  failures: ImportFailure[];
}

export interface ArchiveImportOptions {
  /** Runs per transaction. */
  batchSize?: number;
  /** Run directories read at once. */
  readers?: number;
  /** After each batch (and once before the first). */
  onProgress?: (counts: ImportCounts) => void;
  /** As each directory fails, so a long import shows it at once. */
  onFailure?: (failure: ImportFailure) => void;
  now?: () => number;
}

const DEFAULT_BATCH = 100;
const DEFAULT_READERS = 8;

/** `work` over `items` with at most `limit` at once; results in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function failureOf(dir: string, error: unknown): ImportFailure {
  const remedy = error instanceof PassbenchError && error.remedy !== undefined ? error.remedy : 'check the run directory; the other runs were imported';
  return { dir, error: errorMessage(error), remedy };
}

/**
 * Imports the run directories findRunDirs found (`found.problems` are reported as failures first).
 * `history` may be undefined only when `found` holds no run directory: an import that can store
 * nothing opens, and so creates, no history.
 */
export async function importArchive(history: History | undefined, found: FoundRunDirs, o: ArchiveImportOptions = {}): Promise<ImportSummary> {
  if (history === undefined && found.dirs.length > 0) throw new TypeError('importArchive: run directories to store, and no history');
  const now = o.now ?? (() => performance.now());
  const start = now();
  const summary: ImportSummary = {
    total: found.dirs.length, done: 0, imported: 0, replaced: 0, skipped: 0, failed: 0, elapsedMs: 0, runs: [], failures: [],
  };
  const fail = (f: ImportFailure) => {
    summary.failures.push(f);
    summary.failed++;
    o.onFailure?.(f);
  };
  for (const f of found.problems) fail(f);
  const progress = () => {
    summary.elapsedMs = now() - start;
    const { runs: _runs, failures: _failures, ...counts } = summary;
    o.onProgress?.(counts);
  };
  progress();
  /** run id → the directory and run.json it was first read from in this call. */
  const firstSeen = new Map<string, { dir: string; meta: string }>();
  const batchSize = o.batchSize ?? DEFAULT_BATCH;
  for (let i = 0; i < found.dirs.length; i += batchSize) {
    const dirs = found.dirs.slice(i, i + batchSize);
    const read = await mapLimited(dirs, o.readers ?? DEFAULT_READERS, async (dir) => {
      try {
        return { ...(await readRunDir(dir)), dir: path.resolve(dir) };
      } catch (error) {
        fail(failureOf(dir, error));
        return undefined;
      }
    });
    const batch: RunData[] = [];
    for (const [j, data] of read.entries()) {
      if (data === undefined) continue;
      const earlier = firstSeen.get(data.meta.runId);
      const meta = JSON.stringify(data.meta);
      if (earlier === undefined) {
        firstSeen.set(data.meta.runId, { dir: dirs[j]!, meta });
        batch.push(data);
      } else if (earlier.meta === meta) {
        summary.skipped++;
        summary.runs.push({ ...runOf(data, dirs[j]!), outcome: 'skipped' });
      } else {
        fail({
          dir: dirs[j]!, error: `holds run ${data.meta.runId} as ${earlier.dir} does, with another run.json`,
          remedy: 'a run id names one run: import the directory that holds the run as it ended, not both',
        });
      }
    }
    await storeBatch(history!, batch, dirs, read, summary, fail);
    summary.done += dirs.length;
    progress();
  }
  summary.elapsedMs = now() - start;
  return summary;
}

function runOf(data: RunData, dir: string): Omit<ImportedRun, 'outcome'> {
  return { runId: data.meta.runId, dir, status: data.meta.status, ...(data.warnings ? { warnings: data.warnings } : {}) };
}

/**
 * One transaction for the batch; if the database refuses it, each run alone, so the one it
 * refuses is named and the others are stored.
 */
async function storeBatch(
  history: History, batch: RunData[], dirs: readonly string[], read: readonly (RunData | undefined)[],
  summary: ImportSummary, fail: (f: ImportFailure) => void,
): Promise<void> {
  const dirOf = (data: RunData) => dirs[read.indexOf(data)]!;
  const record = (data: RunData, outcome: ImportOutcome) => {
    summary[outcome]++;
    summary.runs.push({ ...runOf(data, dirOf(data)), outcome });
  };
  if (batch.length === 0) return;
  let outcomes: ImportOutcome[] | undefined;
  try {
    outcomes = await history.importRuns(batch);
  } catch {
    for (const data of batch) {
      try {
        record(data, (await history.importRuns([data]))[0]!);
      } catch (error) {
        fail(failureOf(dirOf(data), error));
      }
    }
    return;
  }
  batch.forEach((data, i) => record(data, outcomes[i]!));
}
