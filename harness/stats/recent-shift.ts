/**
 * Has the level of the newest nights moved for the worse? Pure, no I/O, no randomness.
 *
 * THE TEST. For each run of the newest L nights (L = 1 … lastNights, tonight included), compare
 * their mean with the mean of the nights before the run (at most `baselineNights`, from `from`
 * on): the two-sample t-test with pooled variance (Student's, equal variances), one-sided towards
 * "worse". The run with the smallest p relative to its level is the candidate; it is a shift when
 * p < level. Runs of 2 nights or more share `level`; tonight alone (L = 1) has the stricter
 * `singleNightLevel`, so that a large step is flagged on its first night while a moderate one is
 * flagged once two to five nights agree (bench/power.ts: testing single nights at the common level
 * spends the false-alarm budget on the runs least able to see a moderate step).
 *
 * WHY THIS: one sentence explains an alarm ("the 4 nights since n16 average 4.8 % below the 15
 * nights before them, p = 3e-5"), and it is location- and scale-free: with normal night values
 * and no change, how often it alarms depends only on the levels and the number of nights, not on
 * the metric's noise, so the levels are set once, on simulated normal nights (bench/power.ts
 * --calibrate), for every metric and lab. The pooled variance takes both the noise within a night
 * and the drift between nights from the nights themselves, with the run's own nights adding
 * degrees of freedom.
 *
 * The run's difference has an interval at `confidence` (two-sided t interval), used to tell a
 * material change from a significant but small one.
 */
import type { Interval } from './descriptive.ts';
import type { Direction } from './night-verdict.ts';
import { studentTCdf, studentTQuantile } from './student-t.ts';

export interface ShiftOptions {
  /** Runs of the newest 1 … lastNights nights are tested. */
  lastNights: number;
  /** At most this many nights before a run make its baseline. */
  baselineNights: number;
  /** A run is tested only with at least this many baseline nights. */
  minBaseline: number;
  /** Runs of at least this many nights are held to `level`, shorter ones to `shortRunLevel`. */
  longRun: number;
  /** One-sided level of runs of `longRun` nights or more. */
  level: number;
  /** One-sided level of shorter runs (tonight alone, …): strict, for large steps only. */
  shortRunLevel: number;
  /** Two-sided confidence of the difference's interval. */
  confidence: number;
}

export interface Shift {
  /** Index of the run's first night (the first night after the change). */
  start: number;
  /** Length of the run (nights, tonight included). */
  nights: number;
  /** The baseline stretch [start, end) and its mean. */
  baseline: { start: number; end: number; mean: number };
  runMean: number;
  /** runMean − baseline mean, in the metric's unit, and its interval at `confidence`. */
  difference: number;
  interval: Interval;
  /** Pooled standard deviation of a night, its degrees of freedom, and the t statistic. */
  spread: number;
  df: number;
  t: number;
  /** One-sided p-value towards worse, and the level it is held to. */
  pValue: number;
  level: number;
}

function meanOf(values: readonly number[], start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += values[i] as number;
  return sum / (end - start);
}

function squaresAbout(values: readonly number[], start: number, end: number, centre: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += ((values[i] as number) - centre) ** 2;
  return sum;
}

/** The t-test of values[runStart..end) against values[baseStart..runStart), one-sided towards worse. */
export function testRun(values: readonly number[], baseStart: number, runStart: number, direction: Direction): Omit<Shift, 'level' | 'interval'> {
  const end = values.length;
  const n = runStart - baseStart;
  const m = end - runStart;
  const baseMean = meanOf(values, baseStart, runStart);
  const runMean = meanOf(values, runStart, end);
  const df = n + m - 2;
  const spread = Math.sqrt((squaresAbout(values, baseStart, runStart, baseMean) + squaresAbout(values, runStart, end, runMean)) / df);
  const scale = spread * Math.sqrt(1 / n + 1 / m);
  const difference = runMean - baseMean;
  const worse = direction === 'higher-is-better' ? -difference : difference;
  const t = scale === 0 ? (worse === 0 ? 0 : Math.sign(worse) * Number.POSITIVE_INFINITY) : worse / scale;
  return { start: runStart, nights: m, baseline: { start: baseStart, end: runStart, mean: baseMean }, runMean, difference, spread, df, t, pValue: 1 - studentTCdf(t, df) };
}

/** The two-sided interval of a run's difference at `confidence`. */
export function differenceInterval(run: Pick<Shift, 'difference' | 'spread' | 'df' | 'nights' | 'baseline'>, confidence: number): Interval {
  const n = run.baseline.end - run.baseline.start;
  const half = studentTQuantile(1 - (1 - confidence) / 2, run.df) * run.spread * Math.sqrt(1 / n + 1 / run.nights);
  return { low: run.difference - half, high: run.difference + half };
}

/**
 * The newest run of nights most significantly worse than the nights before it, among runs of
 * 1 … lastNights nights ending with the last value; values before `from` (an earlier, known
 * change) are never a baseline. Undefined when no run has `minBaseline` nights before it.
 * Whether it is a shift: `pValue < level`.
 */
export function worstRecentShift(values: readonly number[], direction: Direction, from: number, options: ShiftOptions): Shift | undefined {
  for (const value of values) {
    if (!Number.isFinite(value)) throw new RangeError(`worstRecentShift: value ${String(value)} is not a finite number`);
  }
  if (!Number.isInteger(options.lastNights) || options.lastNights < 1) {
    throw new RangeError(`worstRecentShift: lastNights must be a positive integer, got ${options.lastNights}`);
  }
  if (!Number.isInteger(options.minBaseline) || options.minBaseline < 2) {
    throw new RangeError(`worstRecentShift: minBaseline must be an integer of at least 2 (a spread needs two nights), got ${options.minBaseline}`);
  }
  let best: Omit<Shift, 'interval'> | undefined;
  for (let nights = 1; nights <= options.lastNights; nights++) {
    const runStart = values.length - nights;
    const baseStart = Math.max(from, runStart - options.baselineNights);
    if (runStart - baseStart < options.minBaseline) break;
    const level = nights < options.longRun ? options.shortRunLevel : options.level;
    const run = { ...testRun(values, baseStart, runStart, direction), level };
    if (best === undefined || run.pValue / level < best.pValue / best.level) best = run;
  }
  return best === undefined ? undefined : { ...best, interval: differenceInterval(best, options.confidence) };
}
