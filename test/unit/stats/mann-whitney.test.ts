import assert from 'node:assert/strict';
import { averageRanks, erfc, mannWhitneyU, normalCdf } from '../../../harness/stats/mann-whitney.ts';

const close = (actual: number, expected: number, tolerance: number): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);

describe('stats/mann-whitney', () => {
  it('computes a small case by hand: no overlap, 3 vs 3', () => {
    // Ranks of x: 1, 2, 3 → R = 6, U = R − 3·4/2 = 0. μ = 4.5, σ² = 3·3·7/12 = 5.25.
    // z = (|0 − 4.5| − 0.5) / √5.25 = 1.7457; p = 2·(1 − Φ(1.7457)) = 0.0809
    // (SciPy mannwhitneyu asymptotic: 0.08085559837005224).
    const r = mannWhitneyU([1, 2, 3], [4, 5, 6]);
    assert.equal(r.u, 0);
    close(r.z, -4 / Math.sqrt(5.25), 1e-12);
    close(r.p, 0.08085559837005224, 1e-6);
  });

  it('averages tied ranks and corrects the variance for ties', () => {
    // Pooled, sorted: 1 | 2 2 2 | 3 3 | 4 | 5 → ranks 1 | 3 3 3 | 5.5 5.5 | 7 | 8.
    // x = 1 2 2 3 → R = 1 + 3 + 3 + 5.5 = 12.5, U = 2.5. Σ(t³ − t) = 24 + 6 = 30.
    // σ² = 16/12 · (9 − 30/56) = 11.2857; z = (8 − 2.5 − 0.5)/3.3594; p = 0.1367 (SciPy 0.1366582477381475).
    const { ranks, tieTerm } = averageRanks([1, 2, 2, 3, 2, 3, 4, 5]);
    assert.deepEqual(ranks, [1, 3, 3, 5.5, 3, 5.5, 7, 8]);
    assert.equal(tieTerm, 30);
    const r = mannWhitneyU([1, 2, 2, 3], [2, 3, 4, 5]);
    assert.equal(r.u, 2.5);
    close(r.p, 0.1366582477381475, 1e-6);
  });

  it('matches SciPy on an unbalanced case with a tie across the sets', () => {
    const r = mannWhitneyU([10, 12, 11, 14, 13], [9, 8, 11, 7, 10, 6]);
    assert.equal(r.u, 28);
    assert.ok(r.z > 0);
    close(r.p, 0.021869769467892982, 1e-6);
  });

  it('is symmetric: swapping the sets mirrors U and keeps p', () => {
    const a = mannWhitneyU([10, 12, 11, 14, 13], [9, 8, 11, 7, 10, 6]);
    const b = mannWhitneyU([9, 8, 11, 7, 10, 6], [10, 12, 11, 14, 13]);
    assert.equal(a.u + b.u, 30);
    close(a.p, b.p, 1e-12);
  });

  it('gives p = 1 when every value is tied', () => {
    assert.deepEqual(mannWhitneyU([5, 5, 5], [5, 5]), { u: 3, z: 0, p: 1 });
  });

  it('refuses an empty set', () => {
    assert.throws(() => mannWhitneyU([], [1]), RangeError);
  });

  it('has an accurate normal CDF', () => {
    close(normalCdf(0), 0.5, 1e-7);
    close(normalCdf(1.959963984540054), 0.975, 1e-7);
    close(normalCdf(-2.5758293035489), 0.005, 1e-7);
    close(erfc(0), 1, 1e-7);
  });
});
