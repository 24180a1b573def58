/**
 * The relative change between two sample sets, median(candidate) / median(baseline) − 1, and its
 * percentile-bootstrap confidence interval. Pure, seeded.
 */
import { DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, percentileOfSorted, resampledMedian, type Interval } from './descriptive.ts';
import { createRandom, DEFAULT_SEED } from './random.ts';

/**
 * Bootstrap CI of median(candidate) / median(baseline) − 1: each resample draws both sets
 * with replacement, independently.
 */
export function bootstrapRelativeChangeCi(
  baseline: readonly number[],
  candidate: readonly number[],
  options: { confidence?: number; resamples?: number; seed?: number } = {},
): Interval {
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const random = createRandom(options.seed ?? DEFAULT_SEED);
  const bufferB = new Float64Array(baseline.length);
  const bufferC = new Float64Array(candidate.length);
  const changes = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    const mb = resampledMedian(baseline, bufferB, random.int);
    const mc = resampledMedian(candidate, bufferC, random.int);
    changes[r] = mc / mb - 1;
  }
  changes.sort();
  const tail = (1 - confidence) / 2;
  return { low: percentileOfSorted(changes, tail), high: percentileOfSorted(changes, 1 - tail) };
}
