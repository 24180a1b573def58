import assert from 'node:assert/strict';
import { findChangePointsOfAll } from '../../../harness/results/parallel-change-points.ts';
import { findChangePoints } from '../../../harness/stats/change-points.ts';
import { createRandom } from '../../../harness/stats/random.ts';

/** Series of 300 nights at 3 % noise, every other one with a 10 % step at night 120. */
function seriesSet(count: number): number[][] {
  const random = createRandom(7);
  return Array.from({ length: count }, (_, s) => Array.from({ length: 300 }, (_, i) => (s % 2 === 0 && i >= 120 ? 0.9 : 1) * (1 + 0.03 * (random.next() - 0.5) * 2)));
}

describe('change points of many series on every core', function () {
  this.timeout(120_000);
  const options = { permutations: 199, significance: 0.01, maxPoints: 100 };

  it('finds, with worker threads, exactly what one thread finds, series by series', async () => {
    const series = seriesSet(24); // 7,200 values: past the size where workers start, and enough work for them to take some
    const alone = series.map((s) => findChangePoints(s, options));
    assert.ok(alone.filter((p) => p.length > 0).length >= 6, 'the stepped series have change points');
    assert.deepEqual(await findChangePointsOfAll(series, options, 2), alone);
    assert.deepEqual(await findChangePointsOfAll(series, options, 5), alone);
  });

  it('keeps a small search on this thread, with the same answer', async () => {
    const series = seriesSet(3);
    assert.deepEqual(await findChangePointsOfAll(series, options, 4), series.map((s) => findChangePoints(s, options)));
  });
});
