import assert from 'node:assert/strict';
import type { Night } from '../../../harness/stats/night-verdict.ts';
import { watchNight } from '../../../harness/stats/nightly-watch.ts';
import { createRandom } from '../../../harness/stats/random.ts';

/** Night values around 100 with 1.5 % noise; the level drops by `step` from night `at` on. */
function nights(length: number, at: number, step: number, seed: number): number[] {
  const random = createRandom(seed);
  return Array.from({ length }, (_, night) => 100 * (night >= at ? 1 - step : 1) * (1 + 0.015 * random.normal()));
}
const asHistory = (values: readonly number[]): Night[] => values.map((median) => ({ median, status: 'good' }));

describe('stats/nightly-watch', () => {
  it('raises an alarm on the first night of a large drop, by the night verdict', () => {
    const values = nights(16, 15, 0.15, 1);
    const watch = watchNight(asHistory(values.slice(0, 15)), values[15] as number, 'higher-is-better');
    assert.equal(watch.verdict.verdict, 'regressed');
    assert.equal(watch.alarm, true);
  });

  it('finds a 5 % step four nights on, names its first night, and stays quiet once it is known', () => {
    const values = nights(20, 16, 0.05, 2);
    const history = asHistory(values.slice(0, 19));
    const watch = watchNight(history, values[19] as number, 'higher-is-better');
    assert.equal(watch.alarm, true);
    assert.equal(watch.newRegression?.index, 16);
    assert.ok((watch.newRegression?.change as number) < -0.03, `change ${watch.newRegression?.change}`);
    assert.ok((watch.newRegression?.pValue as number) <= 0.006);
    const again = watchNight(history, values[19] as number, 'higher-is-better', [16]);
    assert.equal(again.newRegression, undefined);
  });

  it('raises no alarm for a step up on a higher-is-better metric, nor on flat nights', () => {
    const up = nights(20, 16, -0.05, 2);
    assert.equal(watchNight(asHistory(up.slice(0, 19)), up[19] as number, 'higher-is-better').alarm, false);
    for (const seed of [3, 4, 5]) {
      const flat = nights(25, 99, 0, seed);
      assert.equal(watchNight(asHistory(flat.slice(0, 24)), flat[24] as number, 'higher-is-better').alarm, false, `seed ${seed}`);
    }
  });

  it('reads a rise as the regression on a lower-is-better metric', () => {
    const latency = nights(20, 16, -0.08, 6);
    const watch = watchNight(asHistory(latency.slice(0, 19)), latency[19] as number, 'lower-is-better');
    assert.equal(watch.newRegression?.index, 16);
    assert.equal(watch.alarm, true);
  });
});
