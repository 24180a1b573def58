import assert from 'node:assert/strict';
import { createRandom } from '../../../harness/stats/random.ts';

describe('stats/random', () => {
  it('repeats the same sequence for the same seed', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const seqA = Array.from({ length: 20 }, () => a.next());
    assert.deepEqual(Array.from({ length: 20 }, () => b.next()), seqA);
    const c = createRandom(43);
    assert.notDeepEqual(Array.from({ length: 20 }, () => c.next()), seqA);
  });

  it('draws uniforms in [0, 1) with a plausible mean, and integers in range', () => {
    const r = createRandom(1);
    let sum = 0;
    for (let i = 0; i < 10000; i++) {
      const x = r.next();
      assert.ok(x >= 0 && x < 1);
      sum += x;
    }
    assert.ok(Math.abs(sum / 10000 - 0.5) < 0.02);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(r.int(6));
    assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4, 5]);
  });

  it('draws normals with mean ≈ 0 and standard deviation ≈ 1', () => {
    const r = createRandom(2);
    const xs = Array.from({ length: 20000 }, () => r.normal());
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
    assert.ok(Math.abs(m) < 0.03, `mean ${m}`);
    assert.ok(Math.abs(sd - 1) < 0.03, `sd ${sd}`);
  });
});
