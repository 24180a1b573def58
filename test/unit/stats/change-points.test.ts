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

  it('searches a series longer than maxPoints as block medians, and still places each change on its value', () => {
    const settings = { alpha: 1.9, significance: 0.006, permutations: 999, maxPoints: 100 };
    // 1,003 nights (blocks of 11, the oldest of 2): −10 % from night 403 to night 701, and one night (850) 30 % low.
    const values = nights(1003, (night) => (night === 850 ? 70 : night >= 403 && night < 701 ? 90 : 100), 0.015, 5);
    const found = findChangePoints(values, settings);
    assert.deepEqual(found.map((c) => c.index), [403, 701]);
    assert.deepEqual([found[0]!.before.start, found[0]!.before.end, found[0]!.after.end, found[1]!.after.end], [0, 403, 701, 1003]);
    assert.ok(Math.abs((found[0]!.change as number) + 0.1) < 0.01, `change ${found[0]!.change}`);
    assert.ok(found.every((c) => c.pValue <= 0.006), JSON.stringify(found.map((c) => c.pValue)));
    // The odd night is damped in its block's median: it is no change.
    assert.deepEqual(findChangePoints(nights(1000, (night) => (night === 850 ? 70 : 100), 0.015, 6), settings), []);
    assert.throws(() => findChangePoints(values, { maxPoints: 1 }), /maxPoints must be an integer of at least 2, got 1/);
  });
});
