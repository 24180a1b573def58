/**
 * Writes runs (meta, hosts, samples, checks, medians) into the history tables, inside the
 * caller's transaction. One run (the runner's own import) replaces what is stored under its id;
 * a batch (an archive import) writes every table's rows of all its runs as multi-row INSERTs of
 * up to BATCH rows, so a thousand runs are a few hundred statements, not a few hundred thousand.
 */
import type { RunData } from '../run-reader.ts';
import { runMedians } from '../run-medians.ts';
import type { SqlDb, SqlValue } from './sql-db.ts';

const iso = (t: string): string => new Date(t).toISOString();
/** Rows per INSERT: 200 × 13 columns stays far below SQLite's (32,766) and PostgreSQL's (65,535) parameter limits. */
const BATCH = 200;

type TableRows = Record<(typeof TABLES)[number]['table'], SqlValue[][]>;

const TABLES = [
  { table: 'runs', columns: ['run_id', 'scenario', 'scenario_hash', 'harness_version', 'guest_image', 'started_at', 'ended_at', 'status', 'error', 'source_dir', 'meta_json'] },
  { table: 'hosts', columns: ['run_id', 'name', 'address', 'kernel', 'kernel_cmdline', 'qemu', 'accel', 'virtual_lab', 'nic_model', 'nic_driver', 'nic_driver_version', 'nic_firmware'] },
  { table: 'samples', columns: ['run_id', 'seq', 'host', 'mode', 'guest', 'metric', 'unit', 'direction', 'value', 'repetition', 'warmup', 'at', 'labels'] },
  { table: 'run_medians', columns: ['run_id', 'host', 'mode', 'guest', 'metric', 'unit', 'n', 'median'] },
  { table: 'checks', columns: ['run_id', 'seq', 'host', 'mode', 'guest', 'name', 'status', 'message', 'at', 'details'] },
] as const;

async function insertRows(db: SqlDb, table: string, columns: readonly string[], rows: readonly SqlValue[][]): Promise<void> {
  const one = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = rows.slice(i, i + BATCH);
    await db.run(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${batch.map(() => one).join(', ')}`, batch.flat());
  }
}

/** The run's rows for each table, in TABLES' column order. */
function rowsOf(data: RunData, into: TableRows): void {
  const { meta } = data;
  const id = meta.runId;
  into.runs.push([id, meta.scenario, meta.scenarioHash, meta.harnessVersion, meta.guestImage, iso(meta.startedAt),
    meta.endedAt === undefined ? null : iso(meta.endedAt), meta.status, meta.error ?? null, data.dir || null, JSON.stringify(meta)]);
  for (const h of meta.hosts) {
    into.hosts.push([id, h.name, h.address, h.kernel, h.kernelCmdline, h.qemu, h.accel, h.virtualLab ? 1 : 0,
      h.nic?.model ?? null, h.nic?.driver ?? null, h.nic?.driverVersion ?? null, h.nic?.firmware ?? null]);
  }
  data.samples.forEach((s, seq) => into.samples.push([id, seq, s.host, s.mode, s.guest, s.metric, s.unit, s.direction, s.value,
    s.repetition, s.warmup ? 1 : 0, iso(s.at), JSON.stringify(s.labels)]));
  for (const { first: s, n, median: m } of runMedians(data.samples)) into.run_medians.push([id, s.host, s.mode, s.guest, s.metric, s.unit, n, m]);
  data.checks.forEach((c, seq) => into.checks.push([id, seq, c.host, c.mode ?? null, c.guest ?? null, c.name, c.status, c.message, iso(c.at), c.details ?? null]));
}

async function insertAll(db: SqlDb, runs: readonly RunData[]): Promise<void> {
  const rows: TableRows = { runs: [], hosts: [], samples: [], run_medians: [], checks: [] };
  for (const data of runs) rowsOf(data, rows);
  for (const { table, columns } of TABLES) await insertRows(db, table, columns, rows[table]);
}

export async function deleteRun(db: SqlDb, runId: string): Promise<void> {
  for (const table of ['run_medians', 'samples', 'checks', 'hosts', 'runs']) await db.run(`DELETE FROM ${table} WHERE run_id = ?`, [runId]);
}

/** Inside the caller's transaction: the run, replacing any run stored under its id. */
export async function insertRun(db: SqlDb, data: RunData): Promise<void> {
  await deleteRun(db, data.meta.runId);
  await insertAll(db, [data]);
}

/**
 * What an archive import did with a run: stored it new; replaced a stored run whose run.json
 * differs (it was imported while still running, say); or skipped it, already stored as it is.
 */
export type ImportOutcome = 'imported' | 'replaced' | 'skipped';

/** The runs' stored metadata (run.json as imported), by run id. */
async function storedMetas(db: SqlDb, runIds: readonly string[]): Promise<Map<string, string>> {
  const stored = new Map<string, string>();
  for (let i = 0; i < runIds.length; i += BATCH) {
    const chunk = runIds.slice(i, i + BATCH);
    const rows = await db.query(`SELECT run_id, meta_json FROM runs WHERE run_id IN (${chunk.map(() => '?').join(', ')})`, chunk);
    for (const r of rows) stored.set(String(r.run_id), String(r.meta_json));
  }
  return stored;
}

/**
 * Inside the caller's transaction: a batch of runs with distinct ids. A run already stored with
 * the same run.json is skipped (re-importing an archive adds nothing); one still 'running' in
 * the history, or with another run.json, is replaced. Returns each run's outcome, in order.
 */
export async function insertRuns(db: SqlDb, runs: readonly RunData[]): Promise<ImportOutcome[]> {
  const stored = await storedMetas(db, runs.map((r) => r.meta.runId));
  const outcomes = runs.map((r): ImportOutcome => {
    const was = stored.get(r.meta.runId);
    if (was === undefined) return 'imported';
    return was === JSON.stringify(r.meta) && r.meta.status !== 'running' ? 'skipped' : 'replaced';
  });
  for (const [i, r] of runs.entries()) if (outcomes[i] === 'replaced') await deleteRun(db, r.meta.runId);
  await insertAll(db, runs.filter((_, i) => outcomes[i] !== 'skipped'));
  return outcomes;
}
