/**
 * Which runs a history query means: the filters of `passbench history` and the selectors of
 * `passbench compare` (kernel=6.1), turned into SQL conditions both backends accept.
 */
import { UsageError } from '../../errors.ts';
import { ModeSchema, type Mode, type RunMeta } from '../schema.ts';
import type { SqlValue } from './sql-db.ts';

export interface RunFilter {
  runIds?: string[];
  host?: string;
  /** A version or its prefix up to a separator: "6.1" matches 6.1.0-27-amd64, not 6.12.3. */
  kernel?: string;
  qemu?: string;
  scenario?: string;
  /** Runs with samples of this mode (and metric, when both are given). */
  mode?: Mode;
  metric?: string;
  status?: RunMeta['status'];
  /** ISO time (or date): runs started at or after it. */
  since?: string;
  /** ISO time: runs started strictly before it. */
  before?: string;
  /** Newest first; at most this many. */
  limit?: number;
}

export const FILTER_KEYS = ['host', 'kernel', 'qemu', 'scenario', 'mode', 'metric', 'status', 'since', 'before'] as const;
const STATUSES = ['running', 'passed', 'failed', 'aborted'] as const;

/** A calendar date, optionally with a time: Date() alone would take "0" or "12" for a year. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export function normalizeTime(value: string, what: string): string {
  const time = new Date(value);
  if (!ISO_DATE.test(value) || Number.isNaN(time.getTime())) {
    throw new UsageError(`${what} ${JSON.stringify(value)} is not a date or time; expected e.g. 2026-11-24 or 2026-11-24T02:00:00Z`);
  }
  return time.toISOString();
}

/** Checks each field (values come from the command line) and returns a clean filter. */
export function checkFilter(f: RunFilter): RunFilter {
  const out: RunFilter = { ...f };
  if (f.mode !== undefined && !ModeSchema.safeParse(f.mode).success) {
    throw new UsageError(`mode ${JSON.stringify(f.mode)} is not known; expected one of ${ModeSchema.options.join(', ')}`);
  }
  if (f.status !== undefined && !(STATUSES as readonly string[]).includes(f.status)) {
    throw new UsageError(`status ${JSON.stringify(f.status)} is not known; expected one of ${STATUSES.join(', ')}`);
  }
  if (f.since !== undefined) out.since = normalizeTime(f.since, 'since');
  if (f.before !== undefined) out.before = normalizeTime(f.before, 'before');
  if (f.limit !== undefined && !(Number.isInteger(f.limit) && f.limit > 0)) {
    throw new UsageError(`limit ${String(f.limit)} is not a whole number above 0`);
  }
  return out;
}

/** True when `value` is `version` or starts with it followed by a non-digit (6.1 → 6.1.0-27). */
export function versionMatches(value: string, version: string): boolean {
  return value === version || (value.startsWith(version) && !/[0-9]/.test(value[version.length] ?? ''));
}

function versionCondition(column: string, version: string, params: SqlValue[]): string {
  const length = [...version].length; // an integer we computed: safe to inline
  params.push(version, version);
  return `(${column} = ? OR (substr(${column}, 1, ${length}) = ? AND substr(${column}, ${length + 1}, 1) NOT IN ('0','1','2','3','4','5','6','7','8','9')))`;
}

export interface Aliases {
  runs: string;
  /** When set, host conditions apply to this joined hosts alias instead of an EXISTS. */
  hosts?: string;
  /** When set, mode/metric conditions apply to this joined samples alias instead of an EXISTS. */
  samples?: string;
}

/** SQL conditions (joined with AND; "1=1" when none) and their parameters. */
export function filterConditions(f: RunFilter, a: Aliases): { where: string; params: SqlValue[] } {
  const conditions: string[] = [];
  const params: SqlValue[] = [];
  const r = a.runs;
  if (f.runIds !== undefined) {
    if (f.runIds.length === 0) conditions.push('1=0');
    else {
      conditions.push(`${r}.run_id IN (${f.runIds.map(() => '?').join(', ')})`);
      params.push(...f.runIds);
    }
  }
  for (const [key, column] of [['scenario', 'scenario'], ['status', 'status']] as const) {
    const value = f[key];
    if (value !== undefined) { conditions.push(`${r}.${column} = ?`); params.push(value); }
  }
  if (f.since !== undefined) { conditions.push(`${r}.started_at >= ?`); params.push(f.since); }
  if (f.before !== undefined) { conditions.push(`${r}.started_at < ?`); params.push(f.before); }

  const hostParts = (h: string, p: SqlValue[]): string[] => {
    const parts: string[] = [];
    if (f.host !== undefined) { parts.push(`${h}.name = ?`); p.push(f.host); }
    if (f.kernel !== undefined) parts.push(versionCondition(`${h}.kernel`, f.kernel, p));
    if (f.qemu !== undefined) parts.push(versionCondition(`${h}.qemu`, f.qemu, p));
    return parts;
  };
  if (a.hosts) conditions.push(...hostParts(a.hosts, params));
  else if (f.host !== undefined || f.kernel !== undefined || f.qemu !== undefined) {
    const parts = hostParts('hf', params);
    conditions.push(`EXISTS (SELECT 1 FROM hosts hf WHERE hf.run_id = ${r}.run_id AND ${parts.join(' AND ')})`);
  }

  const sampleParts = (s: string, p: SqlValue[]): string[] => {
    const parts: string[] = [];
    if (f.mode !== undefined) { parts.push(`${s}.mode = ?`); p.push(f.mode); }
    if (f.metric !== undefined) { parts.push(`${s}.metric = ?`); p.push(f.metric); }
    if (a.hosts === undefined && a.samples !== undefined && f.host !== undefined) { parts.push(`${s}.host = ?`); p.push(f.host); }
    return parts;
  };
  if (a.samples) conditions.push(...sampleParts(a.samples, params));
  else if (f.mode !== undefined || f.metric !== undefined) {
    const parts = sampleParts('sf', params);
    conditions.push(`EXISTS (SELECT 1 FROM samples sf WHERE sf.run_id = ${r}.run_id AND ${parts.join(' AND ')})`);
  }
  return { where: conditions.length > 0 ? conditions.join(' AND ') : '1=1', params };
}
