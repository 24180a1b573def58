/**
 * The run history: every run's metadata, hosts, samples and checks, in SQLite (the default,
 * a file such as reports/history.sqlite) or PostgreSQL (postgres://…), with the same tables
 * and the same queries on both.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ResultsError } from '../errors.ts';
import { insertAcknowledgements, selectAcknowledgements, type Acknowledgement } from './history/acknowledgements.ts';
import { checkHistorySchema, ensureHistorySchema, HISTORY_VERSION } from './history/history-schema.ts';
import { toCheck, toHistorySample, toHostRow, toRunRow, type HistorySample, type HostRow, type RunRow } from './history/history-rows.ts';
import { insertRun, insertRuns, type ImportOutcome } from './history/import-run.ts';
import { openPostgresDb } from './history/postgres-db.ts';
import { checkFilter, filterConditions, type RunFilter } from './history/run-filter.ts';
import type { SqlDb } from './history/sql-db.ts';
import { openSqliteDb } from './history/sqlite-db.ts';
import { readRunDir, type RunData } from './run-reader.ts';
import { RunMetaSchema, type Check, type RunMeta } from './schema.ts';

export type { Acknowledgement } from './history/acknowledgements.ts';
export type { HistorySample, HostRow, RunRow } from './history/history-rows.ts';
export type { ImportOutcome } from './history/import-run.ts';

/** One run's median of one metric (host, mode, guest), as stored at import. */
export interface RunMedian {
  runId: string;
  startedAt: string;
  kernel: string;
  host: string;
  mode: HistorySample['mode'];
  guest: string;
  metric: string;
  unit: HistorySample['unit'];
  n: number;
  median: number;
}
export type { RunFilter } from './history/run-filter.ts';

export const DEFAULT_HISTORY = path.join('reports', 'history.sqlite');

export interface SampleQuery {
  /** Include warm-up samples (never compared; off by default). */
  includeWarmup?: boolean;
}

export interface History {
  readonly kind: 'sqlite' | 'postgres';
  readonly location: string;
  /** Reads a run directory and stores it in one transaction; a run id already there is replaced. */
  importRun(dir: string): Promise<RunMeta>;
  importRunData(data: RunData): Promise<void>;
  /**
   * Stores a batch of runs (distinct ids) in one transaction, for an archive import: a run
   * already there with the same run.json is skipped, one that differs is replaced.
   */
  importRuns(runs: readonly RunData[]): Promise<ImportOutcome[]>;
  listRuns(f?: RunFilter): Promise<RunRow[]>;
  getRun(runId: string): Promise<RunRow | undefined>;
  runMeta(runId: string): Promise<RunMeta | undefined>;
  checksOf(runId: string): Promise<Check[]>;
  /** Samples of the runs the filter selects (mode/metric/host narrow the samples too), oldest run first. */
  samples(f: RunFilter, q?: SampleQuery): Promise<HistorySample[]>;
  /** Per run the median of each metric (warm-ups excluded), oldest run first: for trends over many runs. */
  runMedians(f: RunFilter): Promise<RunMedian[]>;
  /** The latest passed run of `runId`'s scenario on its (first) host that started before it. */
  lastGoodBefore(runId: string): Promise<RunRow | undefined>;
  /** Whether higher or lower is better, per metric (as the samples say). */
  metricDirections(): Promise<Map<string, HistorySample['direction']>>;
  /** Records acknowledgements of change points in one transaction (one already there is replaced). */
  acknowledge(acks: readonly Acknowledgement[]): Promise<void>;
  /** Every acknowledgement, oldest first (none in a version 1 history opened read-only). */
  acknowledgements(): Promise<Acknowledgement[]>;
  close(): Promise<void>;
}

const CHUNK = 500;

class SqlHistory implements History {
  /** `version`: the history's schema version (older than HISTORY_VERSION only when opened read-only). */
  constructor(private readonly db: SqlDb, private readonly version: number) {}
  get kind() { return this.db.kind; }
  get location() { return this.db.location; }

  async importRun(dir: string): Promise<RunMeta> {
    const data = await readRunDir(dir);
    await this.importRunData({ ...data, dir: path.resolve(dir) });
    return data.meta;
  }

  importRunData(data: RunData): Promise<void> {
    return this.db.transaction(() => insertRun(this.db, data));
  }

  importRuns(runs: readonly RunData[]): Promise<ImportOutcome[]> {
    return this.db.transaction(() => insertRuns(this.db, runs));
  }

  async listRuns(f: RunFilter = {}): Promise<RunRow[]> {
    const filter = checkFilter(f);
    const { where, params } = filterConditions(filter, { runs: 'r' });
    const limit = filter.limit === undefined ? '' : ` LIMIT ${filter.limit}`;
    const runs = await this.db.query(`SELECT * FROM runs r WHERE ${where} ORDER BY r.started_at DESC, r.run_id DESC${limit}`, params);
    const ids = runs.map((r) => String(r.run_id));
    const hosts = new Map<string, HostRow[]>();
    const counts = new Map<string, { samples: number; checks: number; failedChecks: number }>();
    for (const id of ids) counts.set(id, { samples: 0, checks: 0, failedChecks: 0 });
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const list = chunk.map(() => '?').join(', ');
      for (const h of await this.db.query(`SELECT * FROM hosts WHERE run_id IN (${list}) ORDER BY run_id, name`, chunk)) {
        const id = String(h.run_id);
        hosts.set(id, [...(hosts.get(id) ?? []), toHostRow(h)]);
      }
      for (const c of await this.db.query(`SELECT run_id, COUNT(*) AS n FROM samples WHERE run_id IN (${list}) GROUP BY run_id`, chunk)) {
        counts.get(String(c.run_id))!.samples = Number(c.n);
      }
      const checkCounts = await this.db.query(
        `SELECT run_id, COUNT(*) AS n, SUM(CASE WHEN status IN ('fail', 'no-link') THEN 1 ELSE 0 END) AS bad FROM checks WHERE run_id IN (${list}) GROUP BY run_id`, chunk);
      for (const c of checkCounts) {
        const entry = counts.get(String(c.run_id))!;
        entry.checks = Number(c.n);
        entry.failedChecks = Number(c.bad);
      }
    }
    return runs.map((r) => toRunRow(r, hosts.get(String(r.run_id)) ?? [], counts.get(String(r.run_id))!));
  }

  async getRun(runId: string): Promise<RunRow | undefined> {
    return (await this.listRuns({ runIds: [runId] }))[0];
  }

  async runMeta(runId: string): Promise<RunMeta | undefined> {
    const [row] = await this.db.query('SELECT meta_json FROM runs WHERE run_id = ?', [runId]);
    return row === undefined ? undefined : RunMetaSchema.parse(JSON.parse(String(row.meta_json)));
  }

  async checksOf(runId: string): Promise<Check[]> {
    return (await this.db.query('SELECT * FROM checks WHERE run_id = ? ORDER BY seq', [runId])).map(toCheck);
  }

  async samples(f: RunFilter, q: SampleQuery = {}): Promise<HistorySample[]> {
    const filter = checkFilter({ ...f, limit: undefined });
    const { where, params } = filterConditions(filter, { runs: 'r', hosts: 'h', samples: 's' });
    const warmup = q.includeWarmup ? '' : ' AND s.warmup = 0';
    const rows = await this.db.query(
      `SELECT s.*, r.started_at, r.scenario, r.status, h.kernel, h.qemu, h.accel
       FROM samples s JOIN runs r ON r.run_id = s.run_id JOIN hosts h ON h.run_id = s.run_id AND h.name = s.host
       WHERE ${where}${warmup} ORDER BY r.started_at, s.run_id, s.seq`, params);
    return rows.map(toHistorySample);
  }

  async runMedians(f: RunFilter): Promise<RunMedian[]> {
    const { where, params } = filterConditions(checkFilter({ ...f, limit: undefined }), { runs: 'r', hosts: 'h', samples: 'm' });
    const rows = await this.db.query(
      `SELECT m.*, r.started_at, h.kernel
       FROM run_medians m JOIN runs r ON r.run_id = m.run_id JOIN hosts h ON h.run_id = m.run_id AND h.name = m.host
       WHERE ${where} ORDER BY r.started_at, m.run_id, m.host, m.mode, m.guest, m.metric`, params);
    return rows.map((r) => ({
      runId: String(r.run_id), startedAt: String(r.started_at), kernel: String(r.kernel), host: String(r.host),
      mode: String(r.mode) as RunMedian['mode'], guest: String(r.guest), metric: String(r.metric),
      unit: String(r.unit) as RunMedian['unit'], n: Number(r.n), median: Number(r.median),
    }));
  }

  async lastGoodBefore(runId: string): Promise<RunRow | undefined> {
    const run = await this.getRun(runId);
    if (!run) throw new ResultsError(`run ${runId} is not in the history ${this.location}`, { remedy: `import it first: passbench history import reports/runs/${runId}` });
    const host = run.hosts[0]?.name;
    const [good] = await this.listRuns({ scenario: run.scenario, host, status: 'passed', before: run.startedAt, limit: 1 });
    return good;
  }

  async metricDirections(): Promise<Map<string, HistorySample['direction']>> {
    const rows = await this.db.query('SELECT DISTINCT metric, direction FROM samples');
    return new Map(rows.map((r) => [String(r.metric), String(r.direction) as HistorySample['direction']]));
  }

  acknowledge(acks: readonly Acknowledgement[]): Promise<void> {
    return this.db.transaction(() => insertAcknowledgements(this.db, acks));
  }

  async acknowledgements(): Promise<Acknowledgement[]> {
    return this.version < 2 ? [] : selectAcknowledgements(this.db);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}

export interface OpenHistoryOptions {
  /** Only read (history, compare, report): a missing SQLite file is an error and nothing is created. */
  readOnly?: boolean;
  /** With readOnly: a missing SQLite file reads as an empty history (the default location, not yet written). */
  emptyIfMissing?: boolean;
  /** Writing to an existing history only (an acknowledgement): a missing SQLite file is an error, not a new history. */
  mustExist?: boolean;
}

/** A SQLite file path (created if missing, unless read-only) or a postgres:// URL. */
export async function openHistory(location: string = DEFAULT_HISTORY, o: OpenHistoryOptions = {}): Promise<History> {
  const postgres = isPostgresLocation(location);
  const empty = !postgres && o.readOnly && o.emptyIfMissing && !fs.existsSync(location);
  const db = postgres ? await openPostgresDb(location)
    : empty ? openSqliteDb(':memory:', { label: `${location} (not written yet)` })
      : openSqliteDb(location, { readOnly: o.readOnly, mustExist: o.mustExist });
  let version = HISTORY_VERSION;
  try {
    if (o.readOnly && !empty) version = await checkHistorySchema(db);
    else await ensureHistorySchema(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return new SqlHistory(db, version);
}
