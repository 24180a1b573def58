import assert from 'node:assert/strict';
import { benjaminiHochberg } from '../../../harness/stats/benjamini-hochberg.ts';

describe('stats/benjamini-hochberg', () => {
  it('keeps the p-values below the step-up line, computed by hand', () => {
    // Sorted: 0.005 0.01 0.03 0.04 0.2 against k·0.05/5 = 0.01 0.02 0.03 0.04 0.05: the largest k with
    // p(k) ≤ k·q/m is 4, so the four smallest are kept. Adjusted: 0.2·5/5 = 0.2, 0.04·5/4 = 0.05,
    // min(0.03·5/3, 0.05) = 0.05, min(0.01·5/2, 0.05) = 0.025, min(0.005·5, 0.025) = 0.025.
    const r = benjaminiHochberg([0.01, 0.04, 0.03, 0.005, 0.2], 0.05);
    assert.deepEqual(r.significant, [true, true, true, true, false]);
    assert.equal(r.discoveries, 4);
    assert.equal(r.threshold, 0.04);
    assert.equal(r.fdr, 0.05);
    const expected = [0.025, 0.05, 0.05, 0.025, 0.2];
    r.adjusted.forEach((a, i) => assert.ok(Math.abs(a - (expected[i] as number)) < 1e-12, `adjusted[${i}] = ${a}`));
  });

  it('drops a lone p = 0.04 among three metrics that a per-metric 0.05 would have flagged', () => {
    // 0.04 > 1·0.05/3, 0.3 > 2·0.05/3, 0.5 > 0.05: nothing kept.
    const r = benjaminiHochberg([0.3, 0.5, 0.04]);
    assert.deepEqual(r.significant, [false, false, false]);
    assert.equal(r.discoveries, 0);
    assert.equal(r.threshold, 0);
    assert.ok(Math.abs((r.adjusted[2] as number) - 0.12) < 1e-12);
  });

  it('steps up: a p-value above its own line is kept when a larger one below its line is', () => {
    // m = 2: p(2) = 0.032 ≤ 2·0.05/2, so both are kept, although p(1) = 0.03 > 1·0.05/2; its
    // adjusted value is min(0.03·2/1, 0.032·2/2) = 0.032.
    const r = benjaminiHochberg([0.032, 0.03]);
    assert.deepEqual(r.significant, [true, true]);
    r.adjusted.forEach((a) => assert.ok(Math.abs(a - 0.032) < 1e-12, `adjusted ${a}`));
  });

  it('handles no metrics and rejects p-values outside [0, 1]', () => {
    assert.deepEqual(benjaminiHochberg([]).significant, []);
    assert.throws(() => benjaminiHochberg([0.1, Number.NaN]), /p-value NaN is not in \[0, 1\]/);
    assert.throws(() => benjaminiHochberg([0.1], 0), /false discovery rate must be in \(0, 1\), got 0/);
  });
});
