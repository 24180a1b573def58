import assert from 'node:assert/strict';
import { exactMannWhitney } from '../../../harness/stats/exact-rank-test.ts';

const close = (actual: number, expected: number): void => assert.ok(Math.abs(actual - expected) < 1e-12, `expected ${expected}, got ${actual}`);

describe('stats/exact-rank-test', () => {
  it('cannot go below p = 0.10 at 3 vs 3, however far apart (SciPy mannwhitneyu exact: 0.1)', () => {
    const r = exactMannWhitney([1, 2, 3], [40, 50, 60]);
    assert.equal(r.method, 'exact');
    close(r.p, 0.1);
    close(r.smallestP, 0.1);
  });

  it('matches SciPy\'s exact p-values without ties', () => {
    close(exactMannWhitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).p, 0.007936507936507936); // 2 / 252
    close(exactMannWhitney([1.1, 2.2, 3.5, 4, 7, 8.1], [3.3, 5, 6, 9, 10, 11, 12]).p, 0.07342657342657342);
  });

  it('is exact with ties: 1 2 2 3 vs 2 3 4 5 gives 14 of 70 picks (counted by listing all picks)', () => {
    const r = exactMannWhitney([1, 2, 2, 3], [2, 3, 4, 5]);
    assert.equal(r.u, 2.5);
    close(r.p, 0.2);
  });

  it('falls back to the normal approximation beyond the exact size', () => {
    const x = Array.from({ length: 50 }, (_, i) => i);
    const y = Array.from({ length: 50 }, (_, i) => i + 10);
    assert.equal(exactMannWhitney(x, y).method, 'asymptotic');
    assert.equal(exactMannWhitney(x.slice(0, 30), y.slice(0, 30)).method, 'exact');
  });
});
