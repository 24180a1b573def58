import assert from 'node:assert/strict';
import { PassbenchError } from '../../../harness/errors.ts';
import { LocalHost } from '../../../harness/host/local-host.ts';
import { measureLatency, measureLoadedLatency } from '../../../harness/measure/latency.ts';
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
});
