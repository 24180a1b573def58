import assert from 'node:assert/strict';
import { differenceInterval, testRun, worstRecentShift, type ShiftOptions } from '../../../harness/stats/recent-shift.ts';

const close = (actual: number | undefined, expected: number, tolerance: number): void =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);

const BASE = [100, 102, 98, 101, 99, 100.5, 99.5, 101.5, 98.5, 100];
const OPTIONS: ShiftOptions = { lastNights: 5, baselineNights: 30, minBaseline: 5, longRun: 3, level: 0.002, shortRunLevel: 0.0001, confidence: 0.95 };

describe('stats/recent-shift', () => {
  it('matches SciPy\'s pooled two-sample t-test and t interval', () => {
    // scipy.stats.ttest_ind([96, 95.5, 96.5], BASE, equal_var=True, alternative='less'):
    // statistic −5.118932891278164, p 0.00016701254255698677; pooled sd 1.1870513506545997;
    // 95 % interval of the difference (t.ppf(0.975, 11)): −5.7198781127541345 to −2.2801218872458655.
    const values = [...BASE, 96, 95.5, 96.5];
    const run = testRun(values, 0, 10, 'higher-is-better');
    close(run.t, 5.118932891278164, 1e-9);
    close(run.pValue, 0.00016701254255698677, 1e-10);
    close(run.spread, 1.1870513506545997, 1e-12);
    assert.equal(run.df, 11);
    assert.equal(run.difference, -4);
    const interval = differenceInterval(run, 0.95);
    close(interval.low, -5.7198781127541345, 1e-7);
    close(interval.high, -2.2801218872458655, 1e-7);
    // Towards worse: the same drop on a lower-is-better metric is no evidence of a regression (SciPy 0.99983).
    close(testRun(values, 0, 10, 'lower-is-better').pValue, 0.999832987457443, 1e-10);
  });

  it('names the run that started the drop, its baseline, and the level it is held to', () => {
    const values = [...BASE, 100.2, 96, 95.5, 96.5];
    const shift = worstRecentShift(values, 'higher-is-better', 0, OPTIONS);
    assert.equal(shift?.start, 11);
    assert.equal(shift?.nights, 3);
    assert.deepEqual({ start: shift?.baseline.start, end: shift?.baseline.end }, { start: 0, end: 11 });
    assert.equal(shift?.level, 0.002);
    assert.ok((shift?.pValue as number) < 0.002, `p ${shift?.pValue}`);
  });

  it('holds runs shorter than longRun to the strict level: two low nights are not yet a shift, three are', () => {
    const twoNights = testRun([...BASE, 96, 96], 0, 10, 'higher-is-better').pValue;
    assert.ok(twoNights > 0.0001 && twoNights < 0.002, `p ${twoNights}: would pass the common level, not the strict one`);
    const two = worstRecentShift([...BASE, 96, 96], 'higher-is-better', 0, OPTIONS);
    assert.ok(two !== undefined && two.pValue >= two.level, `no shift yet: p ${two?.pValue}, level ${two?.level}`);
    const three = worstRecentShift([...BASE, 96, 96, 96], 'higher-is-better', 0, OPTIONS);
    assert.equal(three?.nights, 3);
    assert.ok((three?.pValue as number) < three!.level);
  });

  it('never takes nights before `from` as baseline, and needs minBaseline nights', () => {
    const values = [...BASE.map((v) => v - 10), ...BASE, 99];
    const shift = worstRecentShift(values, 'higher-is-better', 10, OPTIONS);
    assert.equal(shift?.baseline.start, 10);
    assert.ok((shift?.pValue as number) > 0.05);
    assert.equal(worstRecentShift([100, 101, 99, 100, 90], 'higher-is-better', 0, OPTIONS), undefined);
  });

  it('rejects values and options it cannot use, naming them', () => {
    assert.throws(() => worstRecentShift([1, Number.NaN], 'higher-is-better', 0, OPTIONS), /value NaN is not a finite number/);
    assert.throws(() => worstRecentShift(BASE, 'higher-is-better', 0, { ...OPTIONS, lastNights: 0 }), /lastNights must be a positive integer, got 0/);
    assert.throws(() => worstRecentShift(BASE, 'higher-is-better', 0, { ...OPTIONS, minBaseline: 1 }), /minBaseline must be an integer of at least 2/);
  });
});
