import assert from 'node:assert/strict';
import { compareWithFloor } from '../../../harness/stats/absolute-threshold.ts';
import { findChangePoints, isMaterial } from '../../../harness/stats/change-points.ts';
import { judgeAgainst } from '../../../harness/stats/night-verdict.ts';
import { bootstrapRelativeChangeCi, reachesThreshold, relativeChange } from '../../../harness/stats/relative-change.ts';

describe('stats/relative-change', () => {
  it('is the difference over the base\'s magnitude, with the sign of the difference; a base of 0 has none', () => {
    assert.equal(relativeChange(100, 90), -0.1);
    assert.equal(relativeChange(-10, -5), 0.5);
    assert.equal(relativeChange(-10, -15), -0.5);
    assert.equal(relativeChange(0, 3), undefined);
  });

  it('is the same in change points, the night verdict and the comparison of sample sets, also below 0', () => {
    // A metric that sits below 0 (an offset, say) rising from −10 to −5: +50 % everywhere.
    const low = [-10.1, -9.9, -10, -10.2, -9.8, -10, -10.1, -9.9, -10, -10];
    const high = [-5.1, -4.9, -5, -5.2, -4.8, -5, -5.1, -4.9, -5, -5];
    const [c] = findChangePoints([...low, ...high], { seed: 3 });
    assert.equal(c?.index, 10);
    assert.ok(Math.abs((c?.change as number) - 0.5) < 0.01, `change points: ${c?.change}`);
    assert.ok((c?.ci?.low as number) > 0, `change points CI ${JSON.stringify(c?.ci)}`);
    assert.ok(Math.abs((judgeAgainst(low, -5, 'higher-is-better').change as number) - 0.5) < 0.01);
    assert.ok(Math.abs((compareWithFloor(low, high, 'higher-is-better').change as number) - 0.5) < 0.01);
    const ci = bootstrapRelativeChangeCi(low, high, { seed: 1 });
    assert.ok(ci.low > 0.45 && ci.high < 0.55, JSON.stringify(ci));
    assert.equal(isMaterial(c!, 0.05), true);
  });

  it('a change is material when its interval reaches the threshold on the side it moved to', () => {
    assert.equal(reachesThreshold(-0.04, { low: -0.06, high: -0.02 }, 0.05), true);
    assert.equal(reachesThreshold(-0.04, { low: -0.045, high: -0.02 }, 0.05), false);
    assert.equal(reachesThreshold(0.04, { low: -0.06, high: 0.045 }, 0.05), false);
    assert.equal(reachesThreshold(0.04, { low: 0.01, high: 0.07 }, 0.05), true);
  });

  it('isMaterial uses the night verdict\'s floor: max(threshold · |level|, absolute threshold)', () => {
    // A loss (%) from 0.1 to 0.3: +200 %, but 0.2 points against an absolute threshold of 0.5.
    const loss = (after: number, low: number, high: number) => ({
      index: 10, q: 1, pValue: 0.001, before: { start: 0, end: 10, median: 0.1 }, after: { start: 10, end: 20, median: after },
      difference: after - 0.1, change: (after - 0.1) / 0.1, ci: { low, high },
    });
    assert.equal(isMaterial(loss(0.3, 1.5, 2.5), 0.05, 0.5), false); // reach 2.5 · 0.1 = 0.25 < 0.5
    assert.equal(isMaterial(loss(0.9, 6, 9), 0.05, 0.5), true); // reach 9 · 0.1 = 0.9 ≥ 0.5
    assert.equal(isMaterial(loss(0.3, 1.5, 2.5), 0.05), true); // without an absolute threshold, +200 % is material
    // From 0 there is no interval: the difference must reach the absolute threshold.
    const fromZero = (after: number) => ({ index: 10, q: 1, pValue: 0.001, before: { start: 0, end: 10, median: 0 }, after: { start: 10, end: 20, median: after }, difference: after });
    assert.equal(isMaterial(fromZero(0.3), 0.05, 0.5), false);
    assert.equal(isMaterial(fromZero(0.6), 0.05, 0.5), true);
    assert.equal(isMaterial(fromZero(0.3), 0.05), true);
  });
});
