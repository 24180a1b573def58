import assert from 'node:assert/strict';
import { PassbenchError } from '../../../harness/errors.ts';
import { LocalHost } from '../../../harness/host/local-host.ts';
import { measureLatency, measureLoadedLatency } from '../../../harness/measure/latency.ts';
import { unitsFor, type UnitSetup } from '../../../harness/measure/measure-units.ts';
import { Pace } from '../../../harness/wait/index.ts';
import { freePorts, livingProcesses } from './measure-support.ts';

/** Real busybox ping (this machine has no iputils ping) to 127.0.0.1. */
describe('measure/latency (real busybox ping on 127.0.0.1)', function () {
  this.timeout(60_000);
  const local = new LocalHost();
  const ping = ['busybox', 'ping'];

  it('reports p50 ≤ p90 ≤ p99 in seconds and no loss', async () => {
    const r = await measureLatency(local, '127.0.0.1', { count: 8, pingCommand: ping });
    assert.equal(r.rttS.length, 8);
    assert.equal(r.lossPercent, 0);
    assert.ok(r.p50 > 0 && r.p50 <= r.p90 && r.p90 <= r.p99, `${r.p50} ${r.p90} ${r.p99}`);
    assert.ok(r.p99 < 1, 'seconds, not milliseconds');
  });

  it('fails with the loss when nothing answers', async () => {
    await assert.rejects(measureLatency(local, '192.0.2.77', { count: 3, pingCommand: ping }), (e: unknown) =>
      e instanceof PassbenchError && /no replies \(3 sent, 100% loss\)/.test(e.message));
  });

  it('names a missing ping command', async () => {
    await assert.rejects(measureLatency(local, '127.0.0.1', { count: 2, pingCommand: ['passbench-no-such-ping'] }), /passbench-no-such-ping/);
  });

  it('measures under a TCP iperf3 load and ends both', async () => {
    const port = await freePorts(1);
    const { latency, load } = await measureLoadedLatency(local, '127.0.0.1', {
      count: 50, pingCommand: ping,
      load: { client: local, server: local, serverAddress: '127.0.0.1', options: { durationS: 3, omitS: 0, port } },
    });
    // Cut to fit the load: (3 − 1) s / 0.2 s.
    assert.equal(latency.transmitted, 10);
    assert.ok(latency.received >= 9);
    assert.ok(load.bitsPerSecond > 1e6);
    assert.deepEqual(await livingProcesses(`iperf3 -s -1 -p ${port}`), []);
  });

  it('idle latency pings for the measurement\'s duration, at most pingCount, at least 3', async () => {
    const [idle] = unitsFor(['latency']);
    assert.equal(idle!.name, 'latency.idle');
    const setup = (durationS: number, pingCount: number): UnitSetup => ({
      guestHost: local, peerHost: local, peerAddress: '127.0.0.1', guestAddress: '127.0.0.1', durationS, omitS: 0, streams: 1,
      udpBitrateBps: 1e6, iperfPort: 5201, pingCommand: ping, pingCount, httpConnections: 1, pace: Pace.neutral(),
    });
    const sent = async (durationS: number, pingCount: number) => {
      const r = await idle!.run(setup(durationS, pingCount), async () => undefined);
      return { replies: r.labels.replies, nominalMs: idle!.nominalMs(setup(durationS, pingCount)) };
    };
    // 1 s at 0.2 s a ping: 5 (it was pingCount, 50, whatever the duration: 10 s a repetition).
    assert.deepEqual(await sent(1, 50), { replies: '5/5', nominalMs: 1000 });
    assert.deepEqual(await sent(10, 4), { replies: '4/4', nominalMs: 800 });
    assert.equal((await sent(0.2, 50)).replies, '3/3');
  });
});
