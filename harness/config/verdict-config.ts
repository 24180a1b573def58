/**
 * The night verdict's settings in a scenario config's `run:` section (results/night-verdicts.ts):
 *
 * ```yaml
 * run:
 *   baseline: { nights: 10, minNights: 5 }      # or pin: kernel=6.1 / pin: <run id>
 *   thresholds:                                  # smallest change that matters
 *     default: 5                                 # percent, for metrics no entry names
 *     tcp.tx.throughput: 3                       # percent
 *     "latency.*": { percent: 10 }
 *     "udp.*.loss": { absolute: 0.5 }            # in the metric's unit (here percentage points)
 *   gate: ["tcp.*.throughput", "*.loss"]         # metrics whose regression fails the night (default: all)
 *   falseAlarms: 5                               # percent: Benjamini–Hochberg rate over the night's metrics
 * ```
 * Removed settings (they were accepted and did nothing) are refused with what to use instead:
 * `baseline.mode` (the in-run e1000 figures are always shown beside each mode), and
 * `baseline.previous` (previous / last-passed / none: the night is judged against the last good
 * nights; `gate: []` keeps a night from failing on regressions).
 */
import { z } from 'zod';
import { RUN_ID } from '../results/compare-runs.ts';
import { FILTER_KEYS } from '../results/history/run-filter.ts';
import type { NightSettings } from '../results/night-verdicts.ts';
import { isMetricPattern, parseThresholds, type Thresholds } from '../results/thresholds.ts';

const SELECTOR = new RegExp(`^(${FILTER_KEYS.join('|')})=[^,=\\s]+(,(${FILTER_KEYS.join('|')})=[^,=\\s]+)*$`);
const PATTERN_MESSAGE = 'expected a metric name or pattern, e.g. tcp.tx.throughput, latency.* or *.loss';

const Percent = z.number('expected a percentage, e.g. 5')
  .gt(0, 'expected a percentage above 0 and below 100').lt(100, 'expected a percentage above 0 and below 100');

const REMOVED = {
  mode: 'removed: it did nothing (the report always shows the in-run e1000 figures beside each mode); delete the key',
  previous: 'removed: it did nothing distinct; the night is judged against the last good nights (baseline.nights, default 10), '
    + 'or a pinned baseline (baseline.pin: kernel=6.1 or a run id); to keep regressions from failing the night set run.gate: []',
} as const;

export const BaselineSchema = z.strictObject({
  /** How many good nights make the baseline (the most recent ones). */
  nights: z.int('expected a whole number of nights').min(2, 'expected 2-100 nights').max(100, 'expected 2-100 nights').default(10),
  /** Fewer good nights than this: no baseline yet. */
  minNights: z.int('expected a whole number of nights').min(2, 'expected 2-100 nights').max(100, 'expected 2-100 nights').default(5),
  /** Judge against these nights instead: a run id, or a selector such as kernel=6.1 (its passed runs). */
  pin: z.string().refine((p) => RUN_ID.test(p) || SELECTOR.test(p),
    `expected a run id or a selector KEY=VALUE[,KEY=VALUE] with KEY one of ${FILTER_KEYS.join(', ')}, e.g. kernel=6.1`).optional(),
  mode: z.unknown().optional(),
  previous: z.unknown().optional(),
}).superRefine((b, ctx) => {
  for (const key of ['mode', 'previous'] as const) {
    if (b[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: REMOVED[key] });
  }
  if (b.minNights > b.nights) ctx.addIssue({ code: 'custom', path: ['minNights'], message: `expected at most baseline.nights (${b.nights})` });
}).transform(({ mode: _mode, previous: _previous, ...kept }) => kept);

const ThresholdEntry = z.union([
  Percent,
  z.strictObject({
    percent: Percent.optional(),
    absolute: z.number('expected a number in the metric\'s unit').min(0, 'expected a number ≥ 0 in the metric\'s unit').optional(),
  }),
], 'expected a percentage (e.g. 3) or { percent: 3, absolute: 0.5 }');

export const ThresholdsSchema = z.record(
  z.string().refine((k) => k === 'default' || isMetricPattern(k), `expected "default" or a metric name or pattern, e.g. tcp.tx.throughput, latency.* or *.loss`),
  ThresholdEntry,
).superRefine((t, ctx) => {
  const d = t.default;
  if (d !== undefined && typeof d !== 'number') ctx.addIssue({ code: 'custom', path: ['default'], message: 'expected a percentage (the default is relative only), e.g. 5' });
});

export const GateSchema = z.array(z.string().refine(isMetricPattern, PATTERN_MESSAGE));

/** The verdict keys of run:, with their defaults. */
export const VERDICT_RUN_SHAPE = {
  baseline: BaselineSchema.default({ nights: 10, minNights: 5 }),
  thresholds: ThresholdsSchema.default({}),
  /** Metric patterns whose regression fails the night; absent: every metric. */
  gate: GateSchema.optional(),
  /** Percent: the false discovery rate over the night's metrics. */
  falseAlarms: z.number('expected a percentage, e.g. 5').gt(0, 'expected a percentage above 0 and at most 50').max(50, 'expected a percentage above 0 and at most 50').default(5),
};

type VerdictRun = z.output<z.ZodObject<typeof VERDICT_RUN_SHAPE>>;

/** run.thresholds over the built-in defaults (absolute ones for loss, retransmits, jitter). */
export function thresholdsOf(entries: VerdictRun['thresholds']): Thresholds {
  const t = parseThresholds();
  for (const [key, entry] of Object.entries(entries)) {
    if (key === 'default') { if (typeof entry === 'number') t.fallback = entry / 100; continue; }
    if (typeof entry === 'number') { t.byMetric[key] = entry / 100; continue; }
    if (entry.percent !== undefined) t.byMetric[key] = entry.percent / 100;
    if (entry.absolute !== undefined) t.absolute[key] = entry.absolute;
  }
  return t;
}

/** The night verdict's settings from a scenario config's run: section. */
export function nightSettingsOf(run: VerdictRun): Partial<NightSettings> {
  return {
    nights: run.baseline.nights,
    minNights: run.baseline.minNights,
    ...(run.baseline.pin === undefined ? {} : { pin: run.baseline.pin }),
    thresholds: thresholdsOf(run.thresholds),
    ...(run.gate === undefined ? {} : { gate: run.gate }),
    falseAlarmRate: run.falseAlarms / 100,
  };
}
