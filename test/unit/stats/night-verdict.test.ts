import assert from 'node:assert/strict';
import { baselineNights, judgeAgainst, judgeNight, nightValue, type Night } from '../../../harness/stats/night-verdict.ts';

const close = (actual: number | undefined, expected: number, tolerance: number): void =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);
const good = (median: number): Night => ({ median, status: 'good' });

describe('stats/night-verdict', () => {
  it('computes the prediction interval by hand: 5 nights around 100, tonight 90', () => {
    // mean 100, s = √2.5 = 1.5811, scale = s·√(1 + 1/5) = 1.7321, t = −10 / 1.7321 = −5.7735 with 4 df:
    // p = 0.0044686 (SciPy 2·t.cdf(−5.7735, 4)); t(0.995, 4) = 4.6041 → interval −10 ± 7.975.
    const v = judgeAgainst([100, 102, 98, 101, 99], 90, 'higher-is-better');
    assert.equal(v.verdict, 'regressed');
    close(v.pValue, 0.004468575556053281, 1e-9);
    close(v.differenceInterval?.low, -10 - 4.604094871349992 * 1.7320508075688772, 1e-6);
    close(v.change, -0.1, 1e-12);
    assert.match(v.reason, /−10 % .* against 5 nights, p = 0.0045: significant/);
    assert.equal(judgeAgainst([100, 102, 98, 101, 99], 90, 'lower-is-better').verdict, 'improved');
  });

  it('accounts for night-to-night variation: a 3 % dip within the nights\' own spread is no alarm', () => {
    // s = 1.29 over 10 nights; 97 gives t = −2.22, p = 0.054 (SciPy): not significant at 0.01.
    const baseline = [100, 102, 98, 101, 99, 100.5, 99.5, 101.5, 98.5, 100];
    const v = judgeAgainst(baseline, 97, 'higher-is-better');
    close(v.pValue, 0.05394592050940719, 1e-8);
    assert.equal(v.verdict, 'inconclusive');
    assert.match(v.reason, /cannot be ruled out tonight/);
  });

  it('never takes open-change or failed nights as baseline: a regressed night does not become one', () => {
    const history: Night[] = [
      ...[100, 101, 99, 100.5, 99.5, 100, 101, 99, 100.5, 99.5, 100].map(good),
      { median: 90, status: 'open-change' },
      { median: 89.5, status: 'open-change' },
      { median: 0, status: 'failed' },
    ];
    assert.deepEqual(baselineNights(history, 10), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const v = judgeNight(history, 90.2, 'higher-is-better');
    assert.equal(v.verdict, 'regressed');
    assert.deepEqual(v.baseline.indices, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Had the regressed nights been taken as good, tonight would look like them.
    const silently = history.map((n) => (n.status === 'open-change' ? { ...n, status: 'good' as const } : n));
    assert.notEqual(judgeNight(silently, 90.2, 'higher-is-better').verdict, 'regressed');
  });

  it('says inconclusive, naming the count, with too few good nights', () => {
    const v = judgeNight([good(100), good(101), { median: 80, status: 'open-change' }], 99, 'higher-is-better');
    assert.equal(v.verdict, 'inconclusive');
    assert.match(v.reason, /only 2 good night\(s\) to compare with; need at least 5/);
  });

  it('judges a metric at 0 on its absolute threshold, and never prints NaN', () => {
    const zeros = [0, 0, 0, 0, 0, 0];
    const lost = judgeAgainst(zeros, 0.5, 'lower-is-better', { absoluteThreshold: 0.1 });
    assert.equal(lost.verdict, 'regressed');
    assert.equal(lost.change, undefined);
    assert.equal(lost.difference, 0.5);
    assert.match(lost.reason, /\+0\.5 .* from a baseline of 0/);
    const same = judgeAgainst(zeros, 0, 'lower-is-better', { absoluteThreshold: 0.1 });
    assert.equal(same.verdict, 'unchanged');
    const small = judgeAgainst([0, 0.02, 0, 0.01, 0, 0.03], 0.04, 'lower-is-better', { absoluteThreshold: 0.1 });
    assert.notEqual(small.verdict, 'regressed');
    for (const v of [lost, same, small, judgeAgainst(zeros, 0, 'lower-is-better')]) assert.doesNotMatch(v.reason, /NaN|Infinity/);
  });

  it('rejects a value that is not a number', () => {
    assert.throws(() => judgeAgainst([1, 2, 3, 4, 5], Number.NaN, 'higher-is-better'), /tonight's value NaN is not a finite number/);
  });

  it('takes the Hodges–Lehmann estimate of the repetitions as the night\'s value: near their mean, not carried off by one odd run in 12', () => {
    assert.equal(nightValue([1, 2, 9]), 3.5); // mean 4, median 2
    const twelve = [100, 101, 99, 100.5, 99.5, 100, 102, 98, 100, 101, 99, 70];
    assert.ok(Math.abs(nightValue(twelve) - 100) < 0.6, `night value ${nightValue(twelve)}`);
    assert.ok(twelve.reduce((a, b) => a + b, 0) / 12 < 97.6); // the mean moves by 2.5 %
  });
});
