import assert from 'node:assert/strict';
import {
  hodgesLehmann,
  bootstrapMedianCi,
  decideRepetition,
  max,
  mean,
  median,
  min,
  percentile,
  relativeHalfWidth,
  resampledMedian,
  stddev,
  summarize,
} from '../../../harness/stats/descriptive.ts';
import { createRandom } from '../../../harness/stats/random.ts';

const close = (actual: number, expected: number, tolerance = 1e-9): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);

describe('stats/descriptive', () => {
  // Sorted: 2 4 4 4 5 5 7 9. Sum 40, mean 5; squared deviations 9+1+1+1+0+0+4+16 = 32.
  const samples = [5, 2, 9, 4, 7, 4, 5, 4];

  it('computes mean, median, min and max by hand', () => {
    assert.equal(mean(samples), 5);
    assert.equal(median(samples), 4.5); // (4 + 5) / 2
    assert.equal(min(samples), 2);
    assert.equal(max(samples), 9);
    assert.equal(median([3, 1, 2]), 2);
  });

  it('uses the sample standard deviation (n − 1)', () => {
    close(stddev(samples), Math.sqrt(32 / 7));
    assert.equal(stddev([42]), 0);
  });

  it('interpolates percentiles linearly between closest ranks (type 7)', () => {
    // h = 7p: p90 → 6.3 → 7 + 0.3·(9 − 7); p99 → 6.93 → 7 + 0.93·2; p25 → 1.75 → 4.
    close(percentile(samples, 0.9), 7.6);
    close(percentile(samples, 0.99), 8.86);
    close(percentile(samples, 0.25), 4);
    assert.equal(percentile(samples, 0), 2);
    assert.equal(percentile(samples, 1), 9);
    close(percentile([10, 20], 0.1), 11);
  });

  it('summarizes in one pass and leaves the input order alone', () => {
    const input = [...samples];
    const s = summarize(input);
    assert.deepEqual(input, samples);
    assert.equal(s.n, 8);
    assert.equal(s.median, 4.5);
    assert.equal(s.p50, 4.5);
    close(s.p90, 7.6);
    close(s.cv, Math.sqrt(32 / 7) / 5);
  });

  it('refuses empty input and non-finite samples', () => {
    assert.throws(() => median([]), RangeError);
    assert.throws(() => mean([1, Number.NaN]), /not a finite number/);
    assert.throws(() => percentile([1], 1.5), /\[0, 1\]/);
  });

  describe('bootstrap CI of the median', () => {
    const data = [100, 101, 99, 102, 98, 100.5, 99.5, 103, 97, 100];

    it('brackets the median and stays within the sample range', () => {
      const ci = bootstrapMedianCi(data, { seed: 1 });
      assert.ok(ci.low <= median(data) && median(data) <= ci.high);
      assert.ok(ci.low >= 97 && ci.high <= 103);
    });

    it('is reproducible for a seed and varies with the seed', () => {
      assert.deepEqual(bootstrapMedianCi(data, { seed: 7 }), bootstrapMedianCi(data, { seed: 7 }));
      const others = [1, 2, 3, 4, 5].map((seed) => JSON.stringify(bootstrapMedianCi(data, { seed, resamples: 200 })));
      assert.ok(new Set(others).size > 1);
    });

    it('is a single point when every sample is the same', () => {
      assert.deepEqual(bootstrapMedianCi([5, 5, 5, 5]), { low: 5, high: 5 });
    });

    it('narrows with a lower confidence level', () => {
      const wide = bootstrapMedianCi(data, { confidence: 0.99 });
      const narrow = bootstrapMedianCi(data, { confidence: 0.5 });
      assert.ok(narrow.high - narrow.low < wide.high - wide.low);
    });
  });

  describe('adaptive repetitions', () => {
    const policy = { minRepetitions: 5, maxRepetitions: 8, targetRelativeHalfWidth: 0.01 };

    it('keeps going below the minimum', () => {
      assert.deepEqual(decideRepetition([1, 1, 1, 1], policy), { stop: false, reason: 'below-minimum' });
    });

    it('stops as soon as the median is precise enough', () => {
      const d = decideRepetition([100, 100.1, 99.9, 100, 100.2], policy);
      assert.equal(d.stop, true);
      assert.equal(d.reason, 'precise');
    });

    it('continues while imprecise, and stops at the maximum', () => {
      const noisy = [100, 120, 80, 110, 90, 130, 70];
      assert.equal(decideRepetition(noisy, policy).reason, 'imprecise');
      const d = decideRepetition([...noisy, 105], policy);
      assert.deepEqual([d.stop, d.reason], [true, 'maximum-reached']);
    });

    it('rejects a policy whose maximum is below its minimum', () => {
      assert.throws(() => decideRepetition([1], { minRepetitions: 5, maxRepetitions: 3 }), RangeError);
    });

    it('measures half-width relative to the centre', () => {
      assert.equal(relativeHalfWidth({ low: 98, high: 102 }, 100), 0.02);
      assert.equal(relativeHalfWidth({ low: -1, high: 1 }, 0), Number.POSITIVE_INFINITY);
    });
  });

  it('hodgesLehmann is the median of the Walsh averages (R: wilcox.test(x, conf.int = TRUE)$estimate)', () => {
    // NumPy: median of (x[i] + x[j]) / 2 over i <= j.
    assert.equal(hodgesLehmann([1, 2, 9]), 3.5);
    assert.equal(hodgesLehmann([3, 1, 2, 10]), 2.75);
    assert.equal(hodgesLehmann([100, 98, 101, 97.5, 130, 99, 100.5]), 99.875);
    assert.equal(hodgesLehmann([42]), 42);
    assert.throws(() => hodgesLehmann([]), /hodgesLehmann: no samples/);
  });

  it('resampledMedian of sorted values gives the median a sort of the drawn values gives, with ties and either parity', () => {
    const random = createRandom(8);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + random.int(40);
      // Few distinct values (ties) in one trial of three.
      const source = Array.from({ length: n }, () => (trial % 3 === 0 ? random.int(4) : random.normal())).sort((a, b) => a - b);
      const counts = new Int32Array(n);
      const drawn: number[] = [];
      const draw = (size: number) => { const i = random.int(size); drawn.push(source[i]!); return i; };
      const got = resampledMedian(source, counts, draw);
      assert.ok(counts.every((c) => c === 0), 'counts left zeroed for the next call');
      assert.equal(got, median(drawn), `n ${n}: ${drawn.join(' ')}`);
    }
  });
});
