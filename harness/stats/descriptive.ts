/**
 * Descriptive statistics over one metric's samples (pure, no I/O), the bootstrap confidence
 * interval of the median, and the adaptive-repetition rule the runner asks after each sample.
 *
 * Samples are plain numbers in the metric's unit (Gbit/s, µs, requests/s). Every function
 * that needs at least one sample throws a RangeError on an empty list: an empty list is a
 * bug in the caller, not a measurement.
 */
import { createRandom, DEFAULT_SEED } from './random.ts';

export interface Interval {
  low: number;
  high: number;
}

export interface Summary {
  n: number;
  mean: number;
  median: number;
  /** Sample standard deviation (divides by n − 1); 0 for a single sample. */
  stddev: number;
  /** Coefficient of variation: stddev / |mean| (NaN when the mean is 0). */
  cv: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p99: number;
}

function requireSamples(samples: readonly number[], what: string): void {
  if (samples.length === 0) throw new RangeError(`${what}: no samples`);
  for (const value of samples) {
    if (!Number.isFinite(value)) throw new RangeError(`${what}: sample ${String(value)} is not a finite number`);
  }
}

/** An ascending copy (the input is never reordered). */
export function sortedCopy(samples: readonly number[]): number[] {
  return [...samples].sort((a, b) => a - b);
}

export function mean(samples: readonly number[]): number {
  requireSamples(samples, 'mean');
  let sum = 0;
  for (const value of samples) sum += value;
  return sum / samples.length;
}

/** Sample standard deviation (Bessel's n − 1). A single sample has no spread: 0. */
export function stddev(samples: readonly number[]): number {
  requireSamples(samples, 'stddev');
  if (samples.length === 1) return 0;
  const m = mean(samples);
  let squares = 0;
  for (const value of samples) squares += (value - m) ** 2;
  return Math.sqrt(squares / (samples.length - 1));
}

export function min(samples: readonly number[]): number {
  requireSamples(samples, 'min');
  return samples.reduce((a, b) => (b < a ? b : a));
}

export function max(samples: readonly number[]): number {
  requireSamples(samples, 'max');
  return samples.reduce((a, b) => (b > a ? b : a));
}

/**
 * Percentile by linear interpolation between closest ranks (Hyndman & Fan type 7, the default
 * of R, NumPy and Excel's PERCENTILE.INC): with the samples sorted x[0] ≤ … ≤ x[n−1], the
 * position is h = (n − 1)·p and the value x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
 * So p = 0 is the minimum, p = 1 the maximum, p = 0.5 the median.
 *
 * @param p a fraction in [0, 1] (0.9 for p90).
 */
export function percentile(samples: readonly number[], p: number): number {
  requireSamples(samples, 'percentile');
  return percentileOfSorted(sortedCopy(samples), p);
}

/** As {@link percentile}, for samples already sorted ascending (no copy, no check). */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile: p must be in [0, 1], got ${p}`);
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const low = sorted[lo] as number;
  if (lo + 1 >= sorted.length) return low;
  return low + (h - lo) * ((sorted[lo + 1] as number) - low);
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 0.5);
}

/**
 * Hodges–Lehmann estimate of the centre: the median of the Walsh averages (x_i + x_j) / 2 over all
 * pairs i ≤ j (R's wilcox.test(x, conf.int = TRUE)$estimate, the "(pseudo)median"). On normal
 * samples nearly as precise as the mean (98 % at n = 3, 95 % for large n), and up to 29 % of odd
 * samples cannot carry it away (the mean: none; the median: 50 %).
 */
export function hodgesLehmann(samples: readonly number[]): number {
  requireSamples(samples, 'hodgesLehmann');
  const walsh: number[] = [];
  for (let i = 0; i < samples.length; i++) {
    for (let j = i; j < samples.length; j++) walsh.push(((samples[i] as number) + (samples[j] as number)) / 2);
  }
  return median(walsh);
}

export function summarize(samples: readonly number[]): Summary {
  requireSamples(samples, 'summarize');
  const sorted = sortedCopy(samples);
  const m = mean(samples);
  const sd = stddev(samples);
  return {
    n: samples.length,
    mean: m,
    median: percentileOfSorted(sorted, 0.5),
    stddev: sd,
    cv: m === 0 ? Number.NaN : sd / Math.abs(m),
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    p50: percentileOfSorted(sorted, 0.5),
    p90: percentileOfSorted(sorted, 0.9),
    p99: percentileOfSorted(sorted, 0.99),
  };
}

export interface BootstrapOptions {
  /** Two-sided confidence level, e.g. 0.95. */
  confidence?: number;
  /** Number of bootstrap resamples. */
  resamples?: number;
  /** Seed of the resampling generator: the same seed and samples give the same interval. */
  seed?: number;
}

export const DEFAULT_CONFIDENCE = 0.95;
export const DEFAULT_RESAMPLES = 1000;

/**
 * Median of `sorted` (ascending) resampled with replacement, `counts` (n zeros, left zeroed)
 * reused between calls. Since the values are sorted, the resample's order statistics are those of
 * its drawn indices: the median is found by counting how often each index is drawn and walking
 * the counts to the middle, in O(n) with no comparisons (the bootstrap of a change over a
 * 1,000-run history spent most of its time sorting, then selecting). A draw of n indices with
 * replacement is as uniform over the sorted values as over the original order, so a bootstrap
 * over sorted values is the same procedure (the same seed picks other values, so its intervals
 * differ from the unsorted one's by resampling noise only).
 */
export function resampledMedian(sorted: readonly number[], counts: Int32Array, draw: (n: number) => number): number {
  const n = sorted.length;
  for (let i = 0; i < n; i++) counts[draw(n)]! += 1;
  const middle = (n - 1) >> 1; // 0-based rank of the (lower) middle value
  let index = 0;
  let below = counts[0] as number; // values drawn at indices ≤ index
  while (below <= middle) below += counts[++index] as number;
  const low = sorted[index] as number;
  let next = low;
  if (n % 2 === 0 && below === middle + 1) { // the upper middle value is at the next drawn index
    let j = index + 1;
    while ((counts[j] as number) === 0) j++;
    next = sorted[j] as number;
  }
  counts.fill(0);
  return n % 2 === 1 ? low : low + 0.5 * (next - low);
}

/**
 * Percentile-bootstrap confidence interval of the median: resample the samples with
 * replacement `resamples` times, take each resample's median, and report the
 * (1 − confidence)/2 and (1 + confidence)/2 percentiles of those medians.
 * Distribution-free; coarse for very few samples (with n = 3 there are only a handful of
 * distinct resampled medians), which is why the comparison asks for a minimum sample count.
 */
export function bootstrapMedianCi(samples: readonly number[], options: BootstrapOptions = {}): Interval {
  requireSamples(samples, 'bootstrapMedianCi');
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const random = createRandom(options.seed ?? DEFAULT_SEED);
  const sorted = sortedCopy(samples);
  const counts = new Int32Array(samples.length);
  const medians = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) medians[r] = resampledMedian(sorted, counts, random.int);
  medians.sort();
  const tail = (1 - confidence) / 2;
  return { low: percentileOfSorted(medians, tail), high: percentileOfSorted(medians, 1 - tail) };
}

/**
 * When to stop repeating a measurement. After each sample the runner asks
 * {@link decideRepetition}; it stops once the median is known precisely enough (the
 * bootstrap CI's half-width relative to the median is at most `targetRelativeHalfWidth`),
 * never before `minRepetitions`, and always at `maxRepetitions`.
 *
 * The defaults are tuned by `bench/repetition-power.ts` so that, at 3 % run-to-run noise, a comparison
 * of two such sample sets catches a real 5 % change at least 95 % of the time and raises a
 * false alarm on noise alone at most 1 % of the time. Figures (1000 trials, seeded):
 * at 3 % noise the defaults spend 19.0 samples per side, catch 97.7 % and raise 0.3 % false
 * alarms (a fixed 18 does about as well: 97.4 % / 0.5 %; a fixed 12 catches only 90 %); at
 * 1.5 % noise they spend 12.1 and catch 98.5 %. So adaptive repetitions do not beat the best
 * fixed count for a metric whose noise is known; they save runs by not spending the noisy
 * metric's count (18–20) on quiet ones, and spend up to 30 on a metric noisier than expected.
 */
export interface RepetitionPolicy {
  minRepetitions: number;
  maxRepetitions: number;
  /** e.g. 0.01: stop when the median's CI is within ±1 % of the median. */
  targetRelativeHalfWidth: number;
  confidence: number;
  resamples: number;
  seed: number;
}

export const DEFAULT_REPETITION_POLICY: Readonly<RepetitionPolicy> = Object.freeze({
  minRepetitions: 12,
  maxRepetitions: 30,
  targetRelativeHalfWidth: 0.015,
  confidence: DEFAULT_CONFIDENCE,
  resamples: 500,
  seed: DEFAULT_SEED,
});

export type RepetitionDecision =
  | { stop: false; reason: 'below-minimum' | 'imprecise'; relativeHalfWidth?: number }
  | { stop: true; reason: 'precise' | 'maximum-reached'; relativeHalfWidth: number };

/** Relative half-width of an interval around a centre: (high − low) / 2 / |centre|. */
export function relativeHalfWidth(interval: Interval, centre: number): number {
  return centre === 0 ? Number.POSITIVE_INFINITY : (interval.high - interval.low) / 2 / Math.abs(centre);
}

export function decideRepetition(
  samples: readonly number[],
  policy: Partial<RepetitionPolicy> = {},
): RepetitionDecision {
  const p = { ...DEFAULT_REPETITION_POLICY, ...policy };
  if (p.minRepetitions < 1 || p.maxRepetitions < p.minRepetitions) {
    throw new RangeError(`decideRepetition: need 1 ≤ minRepetitions (${p.minRepetitions}) ≤ maxRepetitions (${p.maxRepetitions})`);
  }
  if (samples.length < p.minRepetitions) return { stop: false, reason: 'below-minimum' };
  const ci = bootstrapMedianCi(samples, { confidence: p.confidence, resamples: p.resamples, seed: p.seed });
  const width = relativeHalfWidth(ci, median(samples));
  if (width <= p.targetRelativeHalfWidth) return { stop: true, reason: 'precise', relativeHalfWidth: width };
  if (samples.length >= p.maxRepetitions) return { stop: true, reason: 'maximum-reached', relativeHalfWidth: width };
  return { stop: false, reason: 'imprecise', relativeHalfWidth: width };
}
