import assert from 'node:assert/strict';
import { TEN_GBE_TCP_GOODPUT_BPS, percentOfLineRate, tcpGoodputBps } from '../../../harness/measure/line-rate.ts';

describe('measure/line-rate', () => {
  it('gives 9.41 Gb/s TCP goodput for 10 GbE at MTU 1500', () => {
    assert.equal(TEN_GBE_TCP_GOODPUT_BPS.toFixed(0), String(Math.round(10e9 * 1448 / 1538)));
    assert.equal((TEN_GBE_TCP_GOODPUT_BPS / 1e9).toFixed(2), '9.41');
  });

  it('scales with link speed and MTU', () => {
    assert.equal((tcpGoodputBps(1e9) / 1e6).toFixed(1), '941.5');
    assert.equal((tcpGoodputBps(10e9, 9000) / 1e9).toFixed(3), '9.900');
    assert.throws(() => tcpGoodputBps(0), /link speed/);
    assert.throws(() => tcpGoodputBps(1e9, 40), /MTU/);
  });

  it('expresses throughput as % of the line rate', () => {
    assert.equal(percentOfLineRate(TEN_GBE_TCP_GOODPUT_BPS / 2), 50);
    assert.equal(percentOfLineRate(470.75e6, tcpGoodputBps(1e9)).toFixed(1), '50.0');
  });
});
