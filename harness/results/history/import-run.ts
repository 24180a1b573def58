/** Writes one run (meta, hosts, samples, checks) into the history tables: replace, not add. */
import type { RunData } from '../run-reader.ts';
import { runMedians } from '../run-medians.ts';
import type { SqlDb, SqlValue } from './sql-db.ts';

const iso = (t: string): string => new Date(t).toISOString();
const BATCH = 200;

async function insertRows(db: SqlDb, table: string, columns: readonly string[], rows: SqlValue[][]): Promise<void> {
  const one = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = rows.slice(i, i + BATCH);
    await db.run(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${batch.map(() => one).join(', ')}`, batch.flat());
  }
}

export async function deleteRun(db: SqlDb, runId: string): Promise<void> {
  for (const table of ['run_medians', 'samples', 'checks', 'hosts', 'runs']) await db.run(`DELETE FROM ${table} WHERE run_id = ?`, [runId]);
}

/** Inside the caller's transaction. */
export async function insertRun(db: SqlDb, data: RunData): Promise<void> {
  const { meta } = data;
  const id = meta.runId;
  await deleteRun(db, id);
  await insertRows(db, 'runs',
    ['run_id', 'scenario', 'scenario_hash', 'harness_version', 'guest_image', 'started_at', 'ended_at', 'status', 'error', 'source_dir', 'meta_json'],
    [[id, meta.scenario, meta.scenarioHash, meta.harnessVersion, meta.guestImage, iso(meta.startedAt),
      meta.endedAt === undefined ? null : iso(meta.endedAt), meta.status, meta.error ?? null, data.dir || null, JSON.stringify(meta)]]);
  await insertRows(db, 'hosts',
    ['run_id', 'name', 'address', 'kernel', 'kernel_cmdline', 'qemu', 'accel', 'virtual_lab', 'nic_model', 'nic_driver', 'nic_driver_version', 'nic_firmware'],
    meta.hosts.map((h) => [id, h.name, h.address, h.kernel, h.kernelCmdline, h.qemu, h.accel, h.virtualLab ? 1 : 0,
      h.nic?.model ?? null, h.nic?.driver ?? null, h.nic?.driverVersion ?? null, h.nic?.firmware ?? null]));
  await insertRows(db, 'samples',
    ['run_id', 'seq', 'host', 'mode', 'guest', 'metric', 'unit', 'direction', 'value', 'repetition', 'warmup', 'at', 'labels'],
    data.samples.map((s, seq) => [id, seq, s.host, s.mode, s.guest, s.metric, s.unit, s.direction, s.value, s.repetition,
      s.warmup ? 1 : 0, iso(s.at), JSON.stringify(s.labels)]));
  await insertRows(db, 'run_medians', ['run_id', 'host', 'mode', 'guest', 'metric', 'unit', 'n', 'median'],
    runMedians(data.samples).map(({ first: s, n, median: m }) => [id, s.host, s.mode, s.guest, s.metric, s.unit, n, m]));
  await insertRows(db, 'checks',
    ['run_id', 'seq', 'host', 'mode', 'guest', 'name', 'status', 'message', 'at', 'details'],
    data.checks.map((c, seq) => [id, seq, c.host, c.mode ?? null, c.guest ?? null, c.name, c.status, c.message, iso(c.at), c.details ?? null]));
}
