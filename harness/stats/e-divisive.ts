/**
 * Change points in a series by E-divisive means (Matteson & James, "A Nonparametric Approach for
 * Multiple Change Point Analysis of Multivariate Data", 2014), the algorithm behind Apache Otava
 * (formerly Hunter; `compute_change_points_orig` in otava/analysis.py) and MongoDB's
 * signal-processing-algorithms. Pure, seeded, no I/O.
 *
 * THE STATISTIC. For a split of Z[s..κ) into X = Z[s..τ) (n values) and Y = Z[τ..κ) (m values),
 * with distances d(i, j) = |Zi − Zj|^α (0 < α < 2; α = 1 by default, as in both references):
 *
 *   q̂(τ, κ) = 2/(n+m)·Σ_{X×Y} d − 2m/((n+m)(n−1))·Σ_{i<k∈X} d − 2n/((n+m)(m−1))·Σ_{j<k∈Y} d
 *
 * which is nm/(n+m) times the energy distance between X and Y (U-statistic form; a within-set
 * term is 0 for a set of one). The candidate of an interval [s, e) is the τ that maximizes q̂
 * over all s < τ < κ ≤ e (κ too is searched, as in Matteson & James and Otava: a change near
 * the start of a long interval is not drowned by what follows).
 *
 * THE SEARCH. Intervals are the stretches between the change points found so far (at first the
 * whole series). The best candidate over all intervals is tested; if significant it splits its
 * interval and the search goes on, otherwise it stops (bisection, as both references do).
 *
 * THE TEST. A permutation test: shuffle the values within each current interval (keeping the
 * change points already found), take the best q̂ over all intervals again, and count how often it
 * reaches the observed one. p = (count + 1) / (permutations + 1): the usual permutation p-value,
 * never 0 (Otava reports count / (permutations + 1), which is 0 when no shuffle reaches it; the
 * decisions agree whenever the level is above 1 / (permutations + 1)).
 * Since the best q̂ over all τ and κ is compared with the best q̂ of each shuffle, the test
 * accounts for having searched every split.
 *
 * Cost: O(L²) per interval of length L for the observed statistic and for each permutation (running
 * column sums of the distance matrix, O(L) memory). Over a long history that is what costs: see
 * change-points.ts blockChangePoints for how `passbench changes` keeps L at 100.
 */
import { createRandom, DEFAULT_SEED, type Random } from './random.ts';

export interface EDivisiveOptions {
  /** Exponent of the distances, in (0, 2). */
  alpha: number;
  /** Significance level of each split's permutation test. */
  significance: number;
  /** Shuffles per permutation test. */
  permutations: number;
  /** Fewest values on either side of a split (1 = any split, as in both references). */
  minSegment: number;
  seed: number;
  /**
   * Stop a permutation test as soon as it cannot end below `significance` any more (its p-value
   * is then an estimate over the shuffles run). Saves most of the work on series without change.
   */
  stopEarly: boolean;
}

export const DEFAULT_E_DIVISIVE_OPTIONS: Readonly<EDivisiveOptions> = Object.freeze({
  alpha: 1,
  significance: 0.05,
  permutations: 199,
  minSegment: 1,
  seed: DEFAULT_SEED,
  stopEarly: true,
});

export interface Split {
  /** First index after the change (the first value of Y). */
  index: number;
  /** q̂ of the best split. */
  q: number;
}

export interface EDivisiveChangePoint extends Split {
  /** Permutation p-value of the split when it was found. */
  pValue: number;
  /** Shuffles actually run for it. */
  permutations: number;
}

/** An interval [start, end) of the series. */
interface Interval {
  start: number;
  end: number;
}

/**
 * Best split of values[start..end): the τ maximizing q̂(τ, κ) over start < τ < κ ≤ end with at
 * least `minSegment` values on either side; undefined when the interval is too short. Ties go
 * to the smallest τ, then the smallest κ (NumPy's argmax order in Otava).
 */
export function bestSplit(
  values: readonly number[],
  start: number,
  end: number,
  alpha = 1,
  minSegment = 1,
): Split | undefined {
  return splitOf(distanceMatrix(values, alpha), identity(values.length), start, end, minSegment);
}

/** d(i, j) = |values[i] − values[j]|^alpha, row-major. Computed once; shuffles only reorder it. */
function distanceMatrix(values: readonly number[], alpha: number): Distances {
  const size = values.length;
  const matrix = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const distance = Math.abs((values[i] as number) - (values[j] as number));
      matrix[i * size + j] = alpha === 1 ? distance : distance ** alpha;
    }
  }
  return { matrix, size };
}

function identity(size: number): Int32Array {
  return Int32Array.from({ length: size }, (_, i) => i);
}

interface Distances {
  matrix: Float64Array;
  size: number;
}

const buffers = [new Float64Array(0), new Float64Array(0)];
/** Scratch array `which` of at least `size` values (splitOf runs to its end before it is called again). */
function scratch(which: 0 | 1, size: number): Float64Array {
  if ((buffers[which] as Float64Array).length < size) buffers[which] = new Float64Array(size);
  return buffers[which] as Float64Array;
}

/** bestSplit over the series in the order `order` (order[i] = which value stands at position i). */
function splitOf(d: Distances, order: Int32Array, start: number, end: number, minSegment: number): Split | undefined {
  const length = end - start;
  if (length < 2 * minSegment || length < 2) return undefined;
  // Positions local to the interval. above[k] = Σ_{i<k} d(i, k); left[k] = Σ_{i<τ} d(i, k) for the
  // current τ (k ≥ τ), grown by one row as τ moves on. Both are O(length) and reused by every
  // call: a shuffle of a 1,000-run series used to fill an O(length²) table of column sums (8 MB)
  // whose strided reads cost more than the sums (bench/changes.ts: about twice as fast). The sums
  // are added in the same order as that table's. For each τ one pass over k ≥ τ both grows left[k]
  // and forms q̂(τ, k + 1), over the interval's own positions: with two passes and the order[]
  // offsets, 30 series of 1,000 nights took 1.81 s instead of 1.58 s (whole change search, one
  // thread, 2026-12-03). q̂ is formed with reciprocals from tables, so it may differ from the
  // divisions' in the last bits (the Otava fixtures still match to 1e-9).
  const above = scratch(0, length);
  const left = scratch(1, length);
  const positions = order.subarray(start, end);
  const matrix = d.matrix;
  for (let k = 0; k < length; k++) {
    let sum = 0;
    const row = (positions[k] as number) * d.size;
    for (let i = 0; i < k; i++) sum += matrix[row + (positions[i] as number)] as number;
    above[k] = sum;
    left[k] = 0;
  }

  // q̂ = 2/(n+m) · (between − m/(n−1)·withinX − n/(m−1)·withinY), with 1/j from tables (divisions
  // in the inner loop were most of its time); a within-set term of a set of one is 0.
  const inverse = inverses(length);
  const inverseBelow = inversesBelow(length);
  let bestQ = -Infinity;
  let bestTau = -1;
  let withinX = 0; // Σ_{i<k<τ} d(i, k)
  for (let tau = 1; tau < length; tau++) {
    withinX += above[tau - 1] as number;
    const joining = (positions[tau - 1] as number) * d.size; // the value that joined X
    const n = tau;
    if (n < minSegment) {
      for (let k = tau; k < length; k++) left[k] = (left[k] as number) + (matrix[joining + (positions[k] as number)] as number);
      continue;
    }
    const xTerm = withinX * (inverseBelow[n] as number);
    let between = 0;
    let withinY = 0;
    let k = tau;
    for (; k < tau + minSegment - 1; k++) { // Y still too short to split at
      const l = (left[k] as number) + (matrix[joining + (positions[k] as number)] as number);
      left[k] = l;
      between += l;
      withinY += (above[k] as number) - l;
    }
    for (; k < length; k++) {
      const l = (left[k] as number) + (matrix[joining + (positions[k] as number)] as number);
      left[k] = l;
      between += l; // value k joins Y: its distances to X
      withinY += (above[k] as number) - l; // and to the rest of Y
      const m = k - tau + 1;
      const q = 2 * (inverse[n + m] as number) * (between - m * xTerm - n * (inverseBelow[m] as number) * withinY);
      if (q > bestQ) { bestQ = q; bestTau = tau; }
    }
  }
  return bestTau < 0 ? undefined : { index: start + bestTau, q: bestQ };
}

let inverseTable = new Float64Array([Infinity]);
/** 1/j for j = 0 … size (0 ↦ ∞, never read). */
function inverses(size: number): Float64Array {
  if (inverseTable.length <= size) inverseTable = Float64Array.from({ length: 2 * size + 1 }, (_, j) => 1 / j);
  return inverseTable;
}

let inverseBelowTable = new Float64Array([0, 0]);
/** 1/(j − 1) for j = 0 … size, and 0 for j ≤ 1: the weight of a within-set sum, 0 for a set of one. */
function inversesBelow(size: number): Float64Array {
  if (inverseBelowTable.length <= size) inverseBelowTable = Float64Array.from({ length: 2 * size + 1 }, (_, j) => (j > 1 ? 1 / (j - 1) : 0));
  return inverseBelowTable;
}

function intervalsBetween(changePoints: readonly number[], length: number): Interval[] {
  const bounds = [0, ...[...changePoints].sort((a, b) => a - b), length];
  const intervals: Interval[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) intervals.push({ start: bounds[i] as number, end: bounds[i + 1] as number });
  return intervals;
}

function bestOver(d: Distances, order: Int32Array, intervals: readonly Interval[], minSegment: number): Split | undefined {
  let best: Split | undefined;
  for (const { start, end } of intervals) {
    const split = splitOf(d, order, start, end, minSegment);
    if (split !== undefined && (best === undefined || split.q > best.q)) best = split;
  }
  return best;
}

function shuffleWithin(buffer: Int32Array, intervals: readonly Interval[], random: Random): void {
  for (const { start, end } of intervals) {
    for (let i = end - 1; i > start; i--) {
      const j = start + random.int(i - start + 1);
      const swap = buffer[i] as number;
      buffer[i] = buffer[j] as number;
      buffer[j] = swap;
    }
  }
}

/** Permutation p-value of the observed best q̂ given the current intervals. */
function permutationPValue(
  d: Distances,
  intervals: readonly Interval[],
  observed: number,
  options: EDivisiveOptions,
  random: Random,
): { pValue: number; permutations: number } {
  const order = identity(d.size);
  // p = (count + 1) / (P + 1) ≤ significance  ⇔  count ≤ significance·(P + 1) − 1.
  const allowed = Math.floor(options.significance * (options.permutations + 1) + 1e-9) - 1;
  let count = 0;
  for (let done = 1; done <= options.permutations; done++) {
    shuffleWithin(order, intervals, random);
    const best = bestOver(d, order, intervals, options.minSegment);
    if (best !== undefined && best.q >= observed) count++;
    if (options.stopEarly && count > allowed) return { pValue: (count + 1) / (done + 1), permutations: done };
  }
  return { pValue: (count + 1) / (options.permutations + 1), permutations: options.permutations };
}

function checkOptions(values: readonly number[], o: EDivisiveOptions): void {
  for (const value of values) {
    if (!Number.isFinite(value)) throw new RangeError(`eDivisive: value ${String(value)} is not a finite number`);
  }
  if (!(o.alpha > 0 && o.alpha < 2)) throw new RangeError(`eDivisive: alpha must be in (0, 2), got ${o.alpha}`);
  if (!(o.significance > 0 && o.significance < 1)) throw new RangeError(`eDivisive: significance must be in (0, 1), got ${o.significance}`);
  if (!Number.isInteger(o.permutations) || o.permutations < 1) throw new RangeError(`eDivisive: permutations must be a positive integer, got ${o.permutations}`);
  if (!Number.isInteger(o.minSegment) || o.minSegment < 1) throw new RangeError(`eDivisive: minSegment must be a positive integer, got ${o.minSegment}`);
}

/**
 * Significant change points of the series, in ascending index order. Each names the first index
 * after the change, its q̂ and the permutation p-value at which it was accepted.
 */
export function eDivisive(values: readonly number[], options: Partial<EDivisiveOptions> = {}): EDivisiveChangePoint[] {
  const o: EDivisiveOptions = { ...DEFAULT_E_DIVISIVE_OPTIONS, ...options };
  checkOptions(values, o);
  const random = createRandom(o.seed);
  const d = distanceMatrix(values, o.alpha);
  const found: EDivisiveChangePoint[] = [];
  for (;;) {
    const intervals = intervalsBetween(found.map((c) => c.index), values.length);
    const candidate = bestOver(d, identity(values.length), intervals, o.minSegment);
    if (candidate === undefined) break;
    const test = permutationPValue(d, intervals, candidate.q, o, random);
    if (test.pValue > o.significance) break;
    found.push({ ...candidate, ...test });
  }
  return found.sort((a, b) => a.index - b.index);
}
