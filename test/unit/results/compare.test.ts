import assert from 'node:assert/strict';
import { createRandom } from '../../../harness/stats/random.ts';
import { bootstrapRelativeChangeCi, compareSamples } from '../../../harness/results/compare.ts';

/** n samples around `centre` with relative noise `cv`, from a fixed seed. */
function synthetic(centre: number, cv: number, n: number, seed: number): number[] {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => centre * (1 + cv * random.normal()));
}

describe('results/compare', () => {
  const baseline = synthetic(9.4, 0.01, 12, 1); // Gbit/s

  it('flags a clear throughput drop as regressed', () => {
    const c = compareSamples(baseline, synthetic(8.5, 0.01, 12, 2), 'higher-is-better');
    assert.equal(c.verdict, 'regressed');
    assert.ok(c.change !== undefined && c.change < -0.05);
    assert.ok(c.changeCi !== undefined && c.changeCi.high < 0);
    assert.ok(c.rankTest !== undefined && c.rankTest.p < 0.001 && c.rankTest.method === 'exact');
    assert.match(c.reason, /significant/);
  });

  it('calls a clear throughput gain improved', () => {
    assert.equal(compareSamples(baseline, synthetic(10.3, 0.01, 12, 3), 'higher-is-better').verdict, 'improved');
  });

  it('reads latency the other way: up is a regression, down an improvement', () => {
    const latency = synthetic(50, 0.01, 12, 4); // µs
    assert.equal(compareSamples(latency, synthetic(56, 0.01, 12, 5), 'lower-is-better').verdict, 'regressed');
    assert.equal(compareSamples(latency, synthetic(44, 0.01, 12, 6), 'lower-is-better').verdict, 'improved');
  });

  it('calls the same distribution unchanged', () => {
    const c = compareSamples(baseline, synthetic(9.4, 0.01, 12, 7), 'higher-is-better');
    assert.equal(c.verdict, 'unchanged');
    assert.match(c.reason, /smaller than 5\.0 %/);
  });

  it('calls a significant change below the threshold unchanged, and says it is significant', () => {
    const c = compareSamples(synthetic(100, 0.002, 15, 8), synthetic(99, 0.002, 15, 9), 'higher-is-better');
    assert.equal(c.verdict, 'unchanged');
    assert.match(c.reason, /significant but smaller than the 5\.0 % threshold/);
  });

  it('few samples: 3 vs 3 says it cannot reach the level (not "too few"), 4 vs 4 can regress, 1 is too few', () => {
    const c = compareSamples([9.4, 9.5, 9.3], [8.0, 8.1, 8.2], 'higher-is-better');
    assert.equal(c.verdict, 'inconclusive');
    assert.match(c.reason, /3 vs 3 samples cannot give p below 0\.1 \(level 0\.05\), whatever the values/);
    assert.ok(c.change !== undefined && c.change < -0.1);
    assert.equal(c.rankTest?.method, 'exact');
    // 4 vs 4 with a clear drop: exact p = 2/70 = 0.029 < 0.05.
    const four = compareSamples([9.4, 9.5, 9.3, 9.45], [8.0, 8.1, 8.2, 8.05], 'higher-is-better');
    assert.equal(four.verdict, 'regressed', four.reason);
    assert.ok(Math.abs(four.rankTest!.p - 2 / 70) < 1e-12);
    // 3 vs 3 that agree within the threshold: unchanged, not inconclusive.
    assert.equal(compareSamples([9.40, 9.41, 9.39], [9.40, 9.42, 9.38], 'higher-is-better').verdict, 'unchanged');
    assert.match(compareSamples([9.4], [8.0], 'higher-is-better').reason, /too few samples \(baseline 1, candidate 1; need at least 2 each\)/);
    assert.equal(compareSamples([], [], 'higher-is-better').verdict, 'inconclusive');
  });

  it('is inconclusive when noise hides whether a material change happened', () => {
    const c = compareSamples(synthetic(100, 0.2, 6, 10), synthetic(97, 0.2, 6, 11), 'higher-is-better');
    assert.equal(c.verdict, 'inconclusive');
    assert.match(c.reason, /more repetitions/);
  });

  it('a baseline median of 0 is judged in the unit against the absolute threshold; without one it says to give one', () => {
    const loss = compareSamples([0, 0, 0, 0, 0], [1, 1.2, 0.9, 1.1, 1], 'lower-is-better', { absoluteThreshold: 0.5 });
    assert.equal(loss.verdict, 'regressed', loss.reason);
    assert.equal(loss.basis, 'absolute');
    assert.equal(loss.change, undefined);
    assert.equal(loss.difference, 1);
    assert.equal(compareSamples([0, 0, 0, 0, 0], [0.1, 0, 0.2, 0, 0.1], 'lower-is-better', { absoluteThreshold: 0.5 }).verdict, 'unchanged');
    const none = compareSamples([0, 0, 0, 0, 0], [1, 1, 1, 1, 1], 'higher-is-better');
    assert.equal(none.verdict, 'inconclusive');
    assert.match(none.reason, /no absolute threshold/);
  });

  it('never prints NaN or Infinity when the baseline holds zeros (once "CI −100.0 % to −NaN %")', () => {
    for (const [b, c] of [[[0, 0, 0.1, 0.2, 0.3], [0, 0, 0, 0, 0.1]], [[0, 0, 1, 1, 1], [0, 0, 0, 1, 0]], [[0, 0, 0], [0, 0, 0]]] as const) {
      for (const absoluteThreshold of [0, 0.5]) {
        const r = compareSamples(b, c, 'lower-is-better', { absoluteThreshold });
        assert.doesNotMatch(r.reason, /NaN|Infinity|∞/, r.reason);
        assert.equal(r.changeCi, undefined);
      }
    }
  });

  it('honours a per-metric threshold', () => {
    const candidate = synthetic(9.0, 0.005, 12, 12); // about −4 %
    const tight = synthetic(9.4, 0.005, 12, 13);
    assert.equal(compareSamples(tight, candidate, 'higher-is-better', { threshold: 0.02 }).verdict, 'regressed');
    assert.equal(compareSamples(tight, candidate, 'higher-is-better', { threshold: 0.1 }).verdict, 'unchanged');
  });

  it('gives identical results for the same inputs and seed', () => {
    const candidate = synthetic(9.1, 0.03, 10, 14);
    assert.deepEqual(
      compareSamples(baseline, candidate, 'higher-is-better', { seed: 99 }),
      compareSamples(baseline, candidate, 'higher-is-better', { seed: 99 }),
    );
    assert.deepEqual(bootstrapRelativeChangeCi(baseline, candidate, { seed: 5 }), bootstrapRelativeChangeCi(baseline, candidate, { seed: 5 }));
  });

  it('refuses non-finite samples', () => {
    assert.throws(() => compareSamples([1, 2, Number.NaN, 4, 5], [1, 2, 3, 4, 5], 'higher-is-better'), /not a finite number/);
  });

  it('is not swayed by one wild outlier run', () => {
    const candidate = synthetic(9.4, 0.01, 12, 15);
    candidate[3] = 2.0; // one run where the link renegotiated
    assert.equal(compareSamples(baseline, candidate, 'higher-is-better').verdict, 'unchanged');
  });

  it('with the default policy, a seeded batch at 3 % noise and 20 samples catches a 5 % drop and stays quiet on noise', () => {
    let caught = 0;
    let falseAlarms = 0;
    for (let trial = 0; trial < 60; trial++) {
      const base = synthetic(100, 0.03, 20, 1000 + trial);
      if (compareSamples(base, synthetic(95, 0.03, 20, 2000 + trial), 'higher-is-better').verdict === 'regressed') caught++;
      if (compareSamples(base, synthetic(100, 0.03, 20, 3000 + trial), 'higher-is-better').verdict === 'regressed') falseAlarms++;
    }
    assert.ok(caught >= 55, `caught ${caught}/60`);
    assert.ok(falseAlarms <= 1, `false alarms ${falseAlarms}/60`);
  });
});
