/**
 * Acknowledgements of change points (history version 2): a change is named by the first run
 * after it and its metric; an acknowledgement says who accepted it and why. Portable SQL
 * (SQLite and PostgreSQL): a replace is a DELETE and an INSERT in one transaction.
 */
import type { SqlDb } from './sql-db.ts';

export interface Acknowledgement {
  runId: string;
  metric: string;
  by: string;
  why: string;
  /** ISO time it was recorded. */
  at: string;
}

/** Inside the caller's transaction: records (or replaces) the acknowledgements. */
export async function insertAcknowledgements(db: SqlDb, acks: readonly Acknowledgement[]): Promise<void> {
  for (const a of acks) {
    await db.run('DELETE FROM acknowledgements WHERE run_id = ? AND metric = ?', [a.runId, a.metric]);
    await db.run('INSERT INTO acknowledgements (run_id, metric, acknowledged_by, reason, acknowledged_at) VALUES (?, ?, ?, ?, ?)',
      [a.runId, a.metric, a.by, a.why, a.at]);
  }
}

export async function selectAcknowledgements(db: SqlDb): Promise<Acknowledgement[]> {
  const rows = await db.query('SELECT * FROM acknowledgements ORDER BY acknowledged_at, run_id, metric');
  return rows.map((r) => ({
    runId: String(r.run_id), metric: String(r.metric), by: String(r.acknowledged_by), why: String(r.reason), at: String(r.acknowledged_at),
  }));
}
