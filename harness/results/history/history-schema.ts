/**
 * The history's tables, in SQL both SQLite and PostgreSQL accept. Times are ISO-8601 UTC
 * strings with milliseconds (they sort as text); booleans are 0/1. HISTORY_VERSION is stored
 * in the database; a history written by a newer passbench is refused rather than misread.
 *
 * Versions: 1 = runs, hosts, samples, checks, run_medians; 2 adds acknowledgements (who accepted
 * a change point, and why). Opening a history to write migrates it (only added tables, so the
 * step is CREATE TABLE and a new version number); a read-only open of an older version is read
 * as it is (an older history simply has no acknowledgements).
 */
import { PassbenchError, ResultsError, errorMessage } from '../../errors.ts';
import type { SqlDb } from './sql-db.ts';

export const HISTORY_VERSION = 2;
/** The oldest version this passbench reads (and migrates when it writes). */
export const OLDEST_READABLE_VERSION = 1;

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
  // Version 2. A change point is named by the first run after it and its metric; acknowledging
  // it accepts the change in every series (host, mode, guest) of that metric starting there.
  `CREATE TABLE IF NOT EXISTS acknowledgements (
    run_id TEXT NOT NULL, metric TEXT NOT NULL, acknowledged_by TEXT NOT NULL, reason TEXT NOT NULL,
    acknowledged_at TEXT NOT NULL, PRIMARY KEY (run_id, metric))`,
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
    // The tables of every later version were just created (IF NOT EXISTS): all that is left of
    // the migration is the number.
    if (checkVersion(db, rows) < HISTORY_VERSION) await db.run('UPDATE passbench_history SET version = ?', [HISTORY_VERSION]);
  });
}

/**
 * For a read-only open: the tables are there and of a version this passbench reads; nothing is
 * created or migrated. Returns the version found.
 */
export async function checkHistorySchema(db: SqlDb): Promise<number> {
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
  return checkVersion(db, rows);
}

function checkVersion(db: SqlDb, rows: readonly Record<string, unknown>[]): number {
  const found = Number(rows[0]?.version);
  if (!(Number.isInteger(found) && found >= OLDEST_READABLE_VERSION && found <= HISTORY_VERSION)) {
    throw new ResultsError(`history ${db.location} has version ${rows.length ? found : 'none'}; this passbench reads versions ${OLDEST_READABLE_VERSION} to ${HISTORY_VERSION}`, {
      remedy: 'use the passbench version that wrote it, or a new history file/database',
    });
  }
  return found;
}
