import assert from 'node:assert/strict';
import { findChangePoints } from '../../../harness/stats/change-points.ts';
import { createRandom } from '../../../harness/stats/random.ts';

const nights = (length: number, level: (night: number) => number, cv: number, seed: number): number[] => {
  const random = createRandom(seed);
  return Array.from({ length }, (_, night) => level(night) * (1 + cv * random.normal()));
};

describe('stats/change-points', () => {
  it('names the first night after a 10 % drop, its size with an interval that holds it, and its p-value', () => {
    const values = nights(30, (night) => (night >= 15 ? 90 : 100), 0.02, 11);
    const found = findChangePoints(values);
    assert.equal(found.length, 1);
    const c = found[0]!;
    assert.equal(c.index, 15);
    assert.deepEqual([c.before.start, c.before.end, c.after.start, c.after.end], [0, 15, 15, 30]);
    assert.ok(c.pValue <= 0.05, `p ${c.pValue}`);
    assert.ok(Math.abs((c.change as number) + 0.1) < 0.02, `change ${c.change}`);
    assert.ok(c.ci !== undefined && c.ci.low < -0.1 + 0.02 && c.ci.high > -0.1 - 0.02 && c.ci.high < 0, `ci ${JSON.stringify(c.ci)}`);
  });

  it('finds nothing in a flat noisy series', () => {
    for (const seed of [1, 2, 3]) assert.deepEqual(findChangePoints(nights(30, () => 100, 0.02, seed)), [], `seed ${seed}`);
  });

  it('gives the size in the unit, and no relative change, after a stretch at 0', () => {
    const values = [0, 0, 0, 0, 0, 0, 0, 0, 0.5, 0.6, 0.5, 0.4, 0.5, 0.6, 0.5, 0.5];
    const [c] = findChangePoints(values);
    assert.equal(c?.index, 8);
    assert.equal(c?.difference, 0.5);
    assert.equal(c?.change, undefined);
    assert.equal(c?.ci, undefined);
  });
});
