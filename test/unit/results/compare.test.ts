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
    assert.ok(c.mannWhitney !== undefined && c.mannWhitney.p < 0.001);
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

  it('is inconclusive with too few samples, and says how many it needs', () => {
    const c = compareSamples([9.4, 9.5, 9.3], [8.0, 8.1, 8.2], 'higher-is-better');
    assert.equal(c.verdict, 'inconclusive');
    assert.match(c.reason, /too few samples \(baseline 3, candidate 3; need at least 5 each\)/);
    assert.equal(c.change, undefined);
    assert.equal(compareSamples([], [], 'higher-is-better').verdict, 'inconclusive');
  });

  it('is inconclusive when noise hides whether a material change happened', () => {
    const c = compareSamples(synthetic(100, 0.2, 6, 10), synthetic(97, 0.2, 6, 11), 'higher-is-better');
    assert.equal(c.verdict, 'inconclusive');
    assert.match(c.reason, /more repetitions/);
  });

  it('is inconclusive when the baseline median is zero', () => {
    assert.equal(compareSamples([0, 0, 0, 0, 0], [1, 1, 1, 1, 1], 'higher-is-better').verdict, 'inconclusive');
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
