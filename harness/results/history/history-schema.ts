/**
 * The history's tables, in SQL both SQLite and PostgreSQL accept. Times are ISO-8601 UTC
 * strings with milliseconds (they sort as text); booleans are 0/1. HISTORY_VERSION is stored
 * in the database; a history written by a newer passbench is refused rather than misread.
 */
import { PassbenchError, ResultsError, errorMessage } from '../../errors.ts';
import type { SqlDb } from './sql-db.ts';

export const HISTORY_VERSION = 1;

const TABLES = [
  `CREATE TABLE IF NOT EXISTS passbench_history (version INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, scenario TEXT NOT NULL, scenario_hash TEXT NOT NULL,
    harness_version TEXT NOT NULL, guest_image TEXT NOT NULL, started_at TEXT NOT NULL,
    ended_at TEXT, status TEXT NOT NULL, error TEXT, source_dir TEXT, meta_json TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS hosts (
    run_id TEXT NOT NULL, name TEXT NOT NULL, address TEXT NOT NULL, kernel TEXT NOT NULL,
    kernel_cmdline TEXT NOT NULL, qemu TEXT NOT NULL, accel TEXT NOT NULL, virtual_lab INTEGER NOT NULL,
    nic_model TEXT, nic_driver TEXT, nic_driver_version TEXT, nic_firmware TEXT,
    PRIMARY KEY (run_id, name))`,
  `CREATE TABLE IF NOT EXISTS samples (
    run_id TEXT NOT NULL, seq INTEGER NOT NULL, host TEXT NOT NULL, mode TEXT NOT NULL, guest TEXT NOT NULL,
    metric TEXT NOT NULL, unit TEXT NOT NULL, direction TEXT NOT NULL, value DOUBLE PRECISION NOT NULL,
    repetition INTEGER NOT NULL, warmup INTEGER NOT NULL, at TEXT NOT NULL, labels TEXT NOT NULL,
    PRIMARY KEY (run_id, seq))`,
  `CREATE TABLE IF NOT EXISTS checks (
    run_id TEXT NOT NULL, seq INTEGER NOT NULL, host TEXT NOT NULL, mode TEXT, guest TEXT, name TEXT NOT NULL,
    status TEXT NOT NULL, message TEXT NOT NULL, at TEXT NOT NULL, details TEXT,
    PRIMARY KEY (run_id, seq))`,
  // Per run, host, mode, guest and metric: the median of the non-warm-up samples, computed at
  // import, so trends over a thousand runs read thousands of rows, not hundreds of thousands.
  `CREATE TABLE IF NOT EXISTS run_medians (
    run_id TEXT NOT NULL, host TEXT NOT NULL, mode TEXT NOT NULL, guest TEXT NOT NULL, metric TEXT NOT NULL,
    unit TEXT NOT NULL, n INTEGER NOT NULL, median DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (run_id, host, mode, guest, metric))`,
  `CREATE INDEX IF NOT EXISTS runs_started ON runs (started_at)`,
  `CREATE INDEX IF NOT EXISTS runs_scenario ON runs (scenario, status, started_at)`,
  `CREATE INDEX IF NOT EXISTS samples_metric ON samples (metric, run_id)`,
  `CREATE INDEX IF NOT EXISTS hosts_name ON hosts (name)`,
];

export async function ensureHistorySchema(db: SqlDb): Promise<void> {
  try {
    await createOrCheck(db);
  } catch (error) {
    if (error instanceof PassbenchError) throw error;
    throw new ResultsError(`history ${db.location}: cannot create or read its tables: ${(error as Error).message}`, {
      remedy: 'check that it is a passbench history and that this user may write to it',
      cause: error,
    });
  }
}

async function createOrCheck(db: SqlDb): Promise<void> {
  await db.transaction(async () => {
    for (const statement of TABLES) await db.run(statement);
    const rows = await db.query('SELECT version FROM passbench_history');
    if (rows.length === 0) {
      await db.run('INSERT INTO passbench_history (version) VALUES (?)', [HISTORY_VERSION]);
      return;
    }
    checkVersion(db, rows);
  });
}

/** For a read-only open: the tables are there and of this version; nothing is created. */
export async function checkHistorySchema(db: SqlDb): Promise<void> {
  let rows;
  try {
    rows = await db.query('SELECT version FROM passbench_history');
  } catch (error) {
    const why = errorMessage(error instanceof ResultsError && error.cause !== undefined ? error.cause : error);
    throw new ResultsError(`history ${db.location} is not a passbench history (${why})`, {
      remedy: 'give the history passbench run or passbench history import wrote (default reports/history.sqlite)',
      cause: error,
    });
  }
  checkVersion(db, rows);
}

function checkVersion(db: SqlDb, rows: readonly Record<string, unknown>[]): void {
  const found = Number(rows[0]?.version);
  if (found !== HISTORY_VERSION) {
    throw new ResultsError(`history ${db.location} has version ${rows.length ? found : 'none'}; this passbench reads version ${HISTORY_VERSION}`, {
      remedy: 'use the passbench version that wrote it, or a new history file/database',
    });
  }
}
