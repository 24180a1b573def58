import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bestSplit, eDivisive } from '../../../harness/stats/e-divisive.ts';
import { createRandom } from '../../../harness/stats/random.ts';

interface OtavaFixture {
  name: string;
  values: number[];
  firstCandidate: { index: number; q: number };
  expected: { index: number; q: number; otavaPValue: number }[];
  stableAcrossSeeds: boolean;
}

// Expected change points computed by Apache Otava's own E-divisive (see e-divisive-otava.py).
const otava = JSON.parse(readFileSync(new URL('./e-divisive-otava.json', import.meta.url), 'utf8')) as { fixtures: OtavaFixture[] };

const close = (actual: number, expected: number, relative: number): void =>
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `expected ${expected}, got ${actual}`);

/** q̂ of one split straight from the definition (O(n²) sums), to check the prefix-sum version. */
function qByDefinition(values: readonly number[], tau: number, kappa: number): number {
  const x = values.slice(0, tau);
  const y = values.slice(tau, kappa);
  const n = x.length;
  const m = y.length;
  let between = 0;
  for (const a of x) for (const b of y) between += Math.abs(a - b);
  let withinX = 0;
  for (let i = 0; i < n; i++) for (let k = i + 1; k < n; k++) withinX += Math.abs((x[i] as number) - (x[k] as number));
  let withinY = 0;
  for (let i = 0; i < m; i++) for (let k = i + 1; k < m; k++) withinY += Math.abs((y[i] as number) - (y[k] as number));
  return (2 / (n + m)) * between
    - (n > 1 ? ((2 * m) / ((n + m) * (n - 1))) * withinX : 0)
    - (m > 1 ? ((2 * n) / ((n + m) * (m - 1))) * withinY : 0);
}

describe('stats/e-divisive', () => {
  it('computes q̂ of a small case by hand: 1 1 1 5 5 5 splits at 3 with q̂ = 12', () => {
    // X = 1 1 1, Y = 5 5 5: Σ|X−Y| = 9·4 = 36, within sums 0 → q̂ = 2/6 · 36 = 12.
    assert.deepEqual(bestSplit([1, 1, 1, 5, 5, 5], 0, 6), { index: 3, q: 12 });
  });

  it('finds the same best split as the definition over every τ and κ on random series', () => {
    const random = createRandom(7);
    for (let trial = 0; trial < 20; trial++) {
      const values = Array.from({ length: 3 + random.int(15) }, () => random.normal() * 3 + (random.next() < 0.3 ? 5 : 0));
      let best = { index: -1, q: -Infinity };
      for (let tau = 1; tau < values.length; tau++) {
        for (let kappa = tau + 1; kappa <= values.length; kappa++) {
          const q = qByDefinition(values, tau, kappa);
          if (q > best.q) best = { index: tau, q };
        }
      }
      const split = bestSplit(values, 0, values.length);
      assert.equal(split?.index, best.index);
      close(split?.q as number, best.q, 1e-9);
    }
  });

  it('honours the minimum segment on both sides of a split', () => {
    // The strongest split of 9 9 1 1 1 1 1 1 is at 2; with minSegment 3 it cannot be there.
    const values = [9, 9, 1, 1, 1, 1, 1, 1];
    assert.equal(bestSplit(values, 0, values.length)?.index, 2);
    const split = bestSplit(values, 0, values.length, 1, 3);
    assert.ok(split !== undefined && split.index >= 3 && split.index <= 5, `got ${JSON.stringify(split)}`);
    assert.equal(bestSplit([1, 2, 3, 4, 5], 0, 5, 1, 3), undefined);
  });

  for (const fixture of otava.fixtures) {
    it(`matches Apache Otava on ${fixture.name}: change points ${JSON.stringify(fixture.expected.map((c) => c.index))}`, () => {
      assert.ok(fixture.stableAcrossSeeds, 'the fixture holds only series on which Otava gives the same answer for every seed');
      const first = bestSplit(fixture.values, 0, fixture.values.length);
      assert.equal(first?.index, fixture.firstCandidate.index);
      close(first?.q as number, fixture.firstCandidate.q, 1e-9);
      const found = eDivisive(fixture.values, { significance: 0.05, permutations: 199, stopEarly: false });
      assert.deepEqual(found.map((c) => c.index), fixture.expected.map((c) => c.index));
      fixture.expected.forEach((expected, i) => close(found[i]?.q as number, expected.q, 1e-9));
      for (const c of found) assert.ok(c.pValue <= 0.05 && c.pValue >= 1 / 200, `p ${c.pValue}`);
    });
  }

  it('finds one change point at the step of a noisy nightly series, none on the flat part alone', () => {
    const random = createRandom(42);
    const values = Array.from({ length: 30 }, (_, night) => 100 * (night >= 18 ? 0.94 : 1) * (1 + 0.015 * random.normal()));
    assert.deepEqual(eDivisive(values).map((c) => c.index), [18]);
    assert.deepEqual(eDivisive(values.slice(0, 18)), []);
  });

  it('gives the same answer for the same seed and stops early without changing the decision', () => {
    const random = createRandom(3);
    const values = Array.from({ length: 25 }, () => 50 + random.normal());
    assert.deepEqual(eDivisive(values, { seed: 9 }), eDivisive(values, { seed: 9 }));
    assert.deepEqual(eDivisive(values, { stopEarly: false }).map((c) => c.index), eDivisive(values).map((c) => c.index));
  });

  it('rejects values and options it cannot use, naming them', () => {
    assert.throws(() => eDivisive([1, Number.NaN, 2]), /value NaN is not a finite number/);
    assert.throws(() => eDivisive([1, 2, 3], { alpha: 2 }), /alpha must be in \(0, 2\), got 2/);
    assert.throws(() => eDivisive([1, 2, 3], { permutations: 0 }), /permutations must be a positive integer, got 0/);
  });
});
