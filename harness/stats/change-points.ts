/**
 * Change points over a series of night values, described for a report: where (the first night
 * after the change), how big (relative change of the medians of the stretches on either side,
 * with a bootstrap confidence interval), and how sure (the permutation p-value). Pure, seeded.
 */
import { materialFloor } from './absolute-threshold.ts';
import { DEFAULT_CONFIDENCE, median, type Interval } from './descriptive.ts';
import { bestSplit, DEFAULT_E_DIVISIVE_OPTIONS, eDivisive, type EDivisiveChangePoint, type EDivisiveOptions } from './e-divisive.ts';
import { bootstrapRelativeChangeCi, reachesThreshold, relativeChange } from './relative-change.ts';

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
  /** relativeChange(before.median, after.median); absent when before.median is 0. */
  change?: number;
  /** Bootstrap CI of `change` (both stretches resampled); absent with `change`. */
  ci?: Interval;
}

export interface ChangePointOptions extends EDivisiveOptions {
  /** Confidence level of the change's interval. */
  confidence: number;
  /** Bootstrap resamples for it. */
  resamples: number;
  /**
   * A longer series is searched as the medians of blocks of consecutive values, at most this many
   * (see blockChangePoints); undefined: always value by value.
   */
  maxPoints?: number;
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
  const change = relativeChange(before.median, after.median);
  if (change === undefined) return point;
  const ci = bootstrapRelativeChangeCi(values.slice(before.start, before.end), values.slice(after.start, after.end), {
    confidence: o.confidence,
    resamples: o.resamples,
    seed: o.seed + found.index,
  });
  return { ...point, change, ci };
}

/**
 * Is the change material: can its size reach the change that matters? The rule of the night
 * verdict and of the nightly watch's shifts, for change points: the change that
 * matters is max(threshold · |level before|, absolute threshold) in the metric's unit
 * (absolute-threshold.ts materialFloor), and the change's interval must reach it on the side it
 * moved to. Without an absolute threshold that is the relative interval reaching the relative
 * threshold. A change from a median of 0 has no interval (no relative size): its difference must
 * reach the absolute threshold, or without one be non-zero (nothing else can judge it).
 */
export function isMaterial(c: ChangePoint, threshold: number, absoluteThreshold = 0): boolean {
  if (c.change === undefined || c.ci === undefined) return absoluteThreshold > 0 ? Math.abs(c.difference) >= absoluteThreshold : c.difference !== 0;
  const { floor, basis } = materialFloor(c.before.median, threshold, absoluteThreshold);
  if (basis === 'relative') return reachesThreshold(c.change, c.ci, threshold);
  const reach = (c.change < 0 ? -c.ci.low : c.ci.high) * Math.abs(c.before.median);
  return reach >= floor;
}

/**
 * E-divisive over a long series, in O(maxPoints²) a shuffle instead of O(length²): the series is
 * cut into blocks of b = ⌈length / maxPoints⌉ consecutive values, each block is its median, and
 * E-divisive (its permutation test, its level) runs over the block medians. With no change (values
 * independent and alike) the block medians are too, so the test keeps its level: a series that did
 * not change still shows no change point with probability at least 1 − significance. When b does
 * not divide the length, the oldest block is the short one (its median a little noisier; the
 * newest nights matter most). Each change found between blocks j − 1 and j is then placed on a
 * value: E-divisive's best split (largest q̂) of the values of blocks j − 2 … j + 1, within the
 * neighbouring changes. What is lost:
 * changes fewer than about b values apart are one change or none, and a single odd value is damped
 * away in its block's median (on a 1,000-run history with maxPoints 100, b = 10).
 */
function blockChangePoints(values: readonly number[], o: ChangePointOptions & { maxPoints: number }): EDivisiveChangePoint[] {
  const size = Math.ceil(values.length / o.maxPoints);
  const starts: number[] = [];
  for (let from = values.length % size; from < values.length; from += size) starts.push(from);
  if (starts[0] !== 0) starts.unshift(0);
  const startOf = (block: number): number => (block <= 0 ? 0 : block >= starts.length ? values.length : starts[block] as number);
  const blocks = starts.map((from, i) => median(values.slice(from, startOf(i + 1))));
  const coarse = eDivisive(blocks, o);
  const placed: EDivisiveChangePoint[] = [];
  coarse.forEach((c, i) => {
    const previous = placed[i - 1]?.index ?? 0;
    const low = Math.max(previous, startOf(c.index - 2));
    const high = Math.min(coarse[i + 1] === undefined ? values.length : startOf(coarse[i + 1]!.index), startOf(c.index + 2));
    const local = bestSplit(values.slice(low, high), 0, high - low, o.alpha, o.minSegment);
    const index = local === undefined ? startOf(c.index) : low + local.index;
    // Never on or before the previous change: then the block boundary stands.
    placed.push({ ...c, index: index > previous ? index : startOf(c.index), q: local?.q ?? c.q });
  });
  return placed;
}

/** Change points of the series, oldest first. */
export function findChangePoints(values: readonly number[], options: Partial<ChangePointOptions> = {}): ChangePoint[] {
  const o: ChangePointOptions = { ...DEFAULT_CHANGE_POINT_OPTIONS, ...options };
  if (o.maxPoints !== undefined && !(Number.isInteger(o.maxPoints) && o.maxPoints >= 2)) {
    throw new RangeError(`findChangePoints: maxPoints must be an integer of at least 2, got ${o.maxPoints}`);
  }
  const found = o.maxPoints !== undefined && values.length > o.maxPoints
    ? blockChangePoints(values, { ...o, maxPoints: o.maxPoints })
    : eDivisive(values, o);
  return describeChanges(values, found, options);
}

/**
 * Describes the changes at `found` (ascending indices), each between its neighbours (or the
 * series' ends): also for a subset of what findChangePoints found (the outlier nights' pairs
 * left out, say), so that each stretch runs up to the next change that stays.
 */
export function describeChanges(
  values: readonly number[],
  found: readonly { index: number; q: number; pValue: number }[],
  options: Partial<ChangePointOptions> = {},
): ChangePoint[] {
  const bounds = [0, ...found.map((c) => c.index), values.length];
  return found.map((c, i) => describeChange(values, c, bounds[i] as number, bounds[i + 2] as number, options));
}
