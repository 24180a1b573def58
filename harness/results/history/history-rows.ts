/** What history queries return, and the mapping from database rows (snake_case) to them. */
import type { Check, Mode, RunMeta, Sample } from '../schema.ts';
import type { SqlRow } from './sql-db.ts';

export interface HostRow {
  name: string;
  kernel: string;
  qemu: string;
  accel: 'kvm' | 'tcg';
  virtualLab: boolean;
  nicModel?: string;
  nicDriver?: string;
}

export interface RunRow {
  runId: string;
  scenario: string;
  status: RunMeta['status'];
  startedAt: string;
  endedAt?: string;
  error?: string;
  sourceDir?: string;
  hosts: HostRow[];
  samples: number;
  checks: number;
  /** Checks with status fail or no-link. */
  failedChecks: number;
}

/** A sample with the run and host facts a comparison or trend groups by. */
export interface HistorySample extends Sample {
  startedAt: string;
  scenario: string;
  status: RunMeta['status'];
  kernel: string;
  qemu: string;
  accel: 'kvm' | 'tcg';
}

const text = (v: unknown): string => String(v);
const optional = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

export function toHostRow(r: SqlRow): HostRow {
  return {
    name: text(r.name), kernel: text(r.kernel), qemu: text(r.qemu), accel: text(r.accel) as HostRow['accel'],
    virtualLab: Number(r.virtual_lab) === 1, nicModel: optional(r.nic_model), nicDriver: optional(r.nic_driver),
  };
}

export function toRunRow(r: SqlRow, hosts: HostRow[], counts: { samples: number; checks: number; failedChecks: number }): RunRow {
  return {
    runId: text(r.run_id), scenario: text(r.scenario), status: text(r.status) as RunMeta['status'],
    startedAt: text(r.started_at), endedAt: optional(r.ended_at), error: optional(r.error), sourceDir: optional(r.source_dir),
    hosts, ...counts,
  };
}

export function toHistorySample(r: SqlRow): HistorySample {
  return {
    schema: 1, runId: text(r.run_id), host: text(r.host), mode: text(r.mode) as Mode, guest: text(r.guest),
    metric: text(r.metric), unit: text(r.unit) as Sample['unit'], direction: text(r.direction) as Sample['direction'],
    value: Number(r.value), repetition: Number(r.repetition), warmup: Number(r.warmup) === 1, at: text(r.at),
    labels: JSON.parse(text(r.labels)) as Record<string, string>,
    startedAt: text(r.started_at), scenario: text(r.scenario), status: text(r.status) as RunMeta['status'],
    kernel: text(r.kernel), qemu: text(r.qemu), accel: text(r.accel) as HistorySample['accel'],
  };
}

export function toCheck(r: SqlRow): Check {
  return {
    schema: 1, runId: text(r.run_id), host: text(r.host), ...(r.mode == null ? {} : { mode: text(r.mode) as Mode }),
    ...(r.guest == null ? {} : { guest: text(r.guest) }), name: text(r.name), status: text(r.status) as Check['status'],
    message: text(r.message), at: text(r.at), ...(r.details == null ? {} : { details: text(r.details) }),
  };
}
