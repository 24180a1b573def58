/**
 * Change points over a series of night values, described for a report: where (the first night
 * after the change), how big (relative change of the medians of the stretches on either side,
 * with a bootstrap confidence interval), and how sure (the permutation p-value). Pure, seeded.
 */
import { DEFAULT_CONFIDENCE, median, type Interval } from './descriptive.ts';
import { DEFAULT_E_DIVISIVE_OPTIONS, eDivisive, type EDivisiveOptions } from './e-divisive.ts';
import { bootstrapRelativeChangeCi } from './relative-change.ts';

export interface Segment {
  /** First index of the stretch. */
  start: number;
  /** One past its last index. */
  end: number;
  median: number;
}

export interface ChangePoint {
  /** Index of the first value after the change. */
  index: number;
  /** E-divisive's q̂ for the split, and the permutation p-value it was accepted with. */
  q: number;
  pValue: number;
  /** The stretches between this change point and its neighbours (or the series' ends). */
  before: Segment;
  after: Segment;
  /** after.median − before.median, in the series' unit. */
  difference: number;
  /** after.median / before.median − 1; absent when before.median is 0. */
  change?: number;
  /** Bootstrap CI of `change` (both stretches resampled); absent with `change`. */
  ci?: Interval;
}

export interface ChangePointOptions extends EDivisiveOptions {
  /** Confidence level of the change's interval. */
  confidence: number;
  /** Bootstrap resamples for it. */
  resamples: number;
}

export const DEFAULT_CHANGE_POINT_OPTIONS: Readonly<ChangePointOptions> = Object.freeze({
  ...DEFAULT_E_DIVISIVE_OPTIONS,
  confidence: DEFAULT_CONFIDENCE,
  resamples: 1000,
});

function segment(values: readonly number[], start: number, end: number): Segment {
  return { start, end, median: median(values.slice(start, end)) };
}

/**
 * Describes a change at `found.index` between the stretches values[beforeStart..index) and
 * values[index..afterEnd): their medians, the difference, and the relative change with its CI.
 */
export function describeChange(
  values: readonly number[],
  found: { index: number; q: number; pValue: number },
  beforeStart: number,
  afterEnd: number,
  options: Partial<ChangePointOptions> = {},
): ChangePoint {
  const o: ChangePointOptions = { ...DEFAULT_CHANGE_POINT_OPTIONS, ...options };
  const before = segment(values, beforeStart, found.index);
  const after = segment(values, found.index, afterEnd);
  const difference = after.median - before.median;
  const point: ChangePoint = { index: found.index, q: found.q, pValue: found.pValue, before, after, difference };
  if (before.median === 0) return point;
  const ci = bootstrapRelativeChangeCi(values.slice(before.start, before.end), values.slice(after.start, after.end), {
    confidence: o.confidence,
    resamples: o.resamples,
    seed: o.seed + found.index,
  });
  return { ...point, change: after.median / before.median - 1, ci };
}

/** Change points of the series, oldest first. */
export function findChangePoints(values: readonly number[], options: Partial<ChangePointOptions> = {}): ChangePoint[] {
  const found = eDivisive(values, { ...DEFAULT_CHANGE_POINT_OPTIONS, ...options });
  const bounds = [0, ...found.map((c) => c.index), values.length];
  return found.map((c, i) => describeChange(values, c, bounds[i] as number, bounds[i + 2] as number, options));
}
