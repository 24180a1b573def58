import assert from 'node:assert/strict';
import { episodes, supersededBy } from '../../../harness/results/change-episodes.ts';
import type { ChangePoint } from '../../../harness/stats/change-points.ts';

/** A change point at `index` from level `before` to level `after` (what the rules read). */
const cp = (index: number, before: number, after: number): ChangePoint => ({
  index, q: 1, pValue: 0.001, before: { start: 0, end: index, median: before }, after: { start: index, end: index + 1, median: after }, difference: after - before,
});

describe('change episodes', () => {
  it('one night off between nights at one level is one outlier night, not two changes', () => {
    const night = cp(6, 100, 70);
    const back = cp(7, 70, 101);
    const step = cp(12, 101, 90);
    assert.deepEqual(episodes([night, back, step], 0.05), { changes: [step], outliers: [{ night, back }] });
  });

  it('is not an outlier night when the night after is at another level, or when two nights are off', () => {
    // The night after is 10 % from the level before: a change down and another, both kept.
    assert.equal(episodes([cp(6, 100, 70), cp(7, 70, 90)], 0.05).changes.length, 2);
    // Two odd nights: a change and its return.
    assert.equal(episodes([cp(6, 100, 70), cp(8, 70, 100)], 0.05).outliers.length, 0);
  });

  it('a change is superseded by the first later change that brings the level back within the threshold, or past it', () => {
    // −10 %, then back to 99: the drop is superseded by the return; the return is not.
    assert.deepEqual(supersededBy([cp(8, 100, 90), cp(16, 90, 99)], 0.05), [1, undefined]);
    // −10 %, then −5 % more, then back past the old level: both drops are superseded by the last change.
    assert.deepEqual(supersededBy([cp(8, 100, 90), cp(12, 90, 85), cp(16, 85, 103)], 0.05), [2, 2, undefined]);
    // −10 %, then a partial return still 6 % down: not superseded.
    assert.deepEqual(supersededBy([cp(8, 100, 90), cp(16, 90, 94)], 0.05), [undefined, undefined]);
    // A rise (latency up) undone by a fall.
    assert.deepEqual(supersededBy([cp(5, 30, 36), cp(9, 36, 31)], 0.05), [1, undefined]);
    // From 0 (loss): back when the level is 0 again.
    assert.deepEqual(supersededBy([cp(5, 0, 0.4), cp(9, 0.4, 0)], 0.05), [1, undefined]);
  });

  it('"back" is within the change that matters, max(threshold · |level|, absolute threshold), as for materiality', () => {
    // Loss (%) from 0.1 to 1.5, then 0.4: 0.3 points from where it was, within an absolute 0.5.
    const changes = [cp(5, 0.1, 1.5), cp(9, 1.5, 0.4)];
    assert.deepEqual(supersededBy(changes, 0.05, 0.5), [1, undefined]);
    // Relative alone, 0.4 is still 300 % up.
    assert.deepEqual(supersededBy(changes, 0.05), [undefined, undefined]);
    // An outlier night of loss: 0.1, one night at 2, then 0.3.
    assert.equal(episodes([cp(5, 0.1, 2), cp(6, 2, 0.3)], 0.05, 0.5).outliers.length, 1);
  });
});
