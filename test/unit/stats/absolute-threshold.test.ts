import assert from 'node:assert/strict';
import { compareWithFloor, materialFloor } from '../../../harness/stats/absolute-threshold.ts';

describe('stats/absolute-threshold', () => {
  it('takes the larger of the relative and the absolute threshold', () => {
    assert.deepEqual(materialFloor(100, 0.05, 0.1), { floor: 5, basis: 'relative' });
    assert.deepEqual(materialFloor(0.4, 0.05, 0.1), { floor: 0.1, basis: 'absolute' });
    assert.deepEqual(materialFloor(0, 0.05, 0.1), { floor: 0.1, basis: 'absolute' });
  });

  it('gives a verdict, not NaN, when the baseline median is 0 and an absolute threshold is set', () => {
    // Loss in %: none before, about 0.5 % after; 6 vs 6 exact p = 2/924.
    const r = compareWithFloor([0, 0, 0, 0, 0, 0], [0.4, 0.5, 0.6, 0.5, 0.7, 0.4], 'lower-is-better', { absoluteThreshold: 0.1 });
    assert.equal(r.verdict, 'regressed');
    assert.equal(r.basis, 'absolute');
    assert.equal(r.change, undefined);
    assert.ok(Math.abs(r.test.p - 2 / 924) < 1e-12);
    assert.match(r.reason, /median 0 → 0\.5 \(\+0\.5\): at least 0\.1 \(absolute threshold\) and significant/);
    const same = compareWithFloor([0, 0, 0, 0, 0], [0, 0, 0.05, 0, 0], 'lower-is-better', { absoluteThreshold: 0.1 });
    assert.equal(same.verdict, 'unchanged');
    for (const v of [r, same]) assert.doesNotMatch(v.reason, /NaN|Infinity/);
  });

  it('says why it cannot judge a zero baseline without an absolute threshold', () => {
    const r = compareWithFloor([0, 0, 0, 0, 0], [1, 2, 1, 2, 1], 'lower-is-better');
    assert.equal(r.verdict, 'inconclusive');
    assert.match(r.reason, /baseline median is 0 and the metric has no absolute threshold/);
    assert.doesNotMatch(r.reason, /NaN/);
  });

  it('says 3 vs 3 repetitions cannot reach the level, rather than calling it unchanged', () => {
    const r = compareWithFloor([100, 101, 99], [80, 81, 79], 'higher-is-better');
    assert.equal(r.verdict, 'inconclusive');
    assert.match(r.reason, /3 vs 3 samples cannot give p below 0\.1 \(level 0\.05\); judge it over nights/);
  });

  it('judges a relative change on an ordinary metric', () => {
    const r = compareWithFloor([100, 101, 99, 100, 100.5], [90, 91, 89, 90, 90.5], 'higher-is-better');
    assert.equal(r.verdict, 'regressed');
    assert.equal(r.basis, 'relative');
    assert.ok(Math.abs((r.change as number) + 0.1) < 1e-12);
  });
});
