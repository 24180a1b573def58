import assert from 'node:assert/strict';
import { studentTCdf, studentTQuantile } from '../../../harness/stats/student-t.ts';

const close = (actual: number, expected: number, tolerance: number): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);

describe('stats/student-t', () => {
  it('matches SciPy\'s t.cdf and t.ppf', () => {
    close(studentTCdf(2.262157, 9), 0.9749999933477842, 1e-12);
    close(studentTCdf(-1, 1), 0.25, 1e-12);
    close(studentTCdf(0.5, 30), 0.6896384975574363, 1e-12);
    close(studentTQuantile(0.995, 9), 3.249835541592126, 1e-8);
    close(studentTQuantile(0.975, 4), 2.7764451051977934, 1e-8);
    // Around the nightly watch's levels: t.ppf(0.999, 18) = 3.6104848848250928 (printed tables: 3.610),
    // t.ppf(0.9999, 14) = 4.985013157719529.
    close(studentTQuantile(0.999, 18), 3.6104848848250928, 1e-8);
    close(studentTQuantile(0.9999, 14), 4.985013157719529, 1e-8);
    close(studentTCdf(-3.6104848848250928, 18), 0.001, 1e-12);
  });
});
