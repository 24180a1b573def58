import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalHost } from '../../../harness/host/local-host.ts';
import type { HostProcess } from '../../../harness/host/host.ts';
import { tcpGoodputBps } from '../../../harness/measure/line-rate.ts';
import { MeasurementError, measureMode, type MeasureContext } from '../../../harness/measure/measure-mode.ts';
import { MeasurementAbortedError } from '../../../harness/measure/processes.ts';
import { DEFAULT_REPETITION_POLICY } from '../../../harness/stats/descriptive.ts';
import type { Measurement } from '../../../harness/measure/figure.ts';
import { SCHEMA_VERSION, SampleSchema, type Mode, type Sample } from '../../../harness/results/schema.ts';
import { SshHost } from '../../../harness/host/ssh-host.ts';
import { PassbenchError } from '../../../harness/errors.ts';
import { formatPublicKey } from '../../../harness/host/ssh-keys.ts';
import { startSshd } from '../../support/sshd.ts';
import { freePort, freePorts, livingProcesses, recordingHost } from './measure-support.ts';

/** What the scenario does with each measurement: a Sample, which must be valid. */
function stamp(mode: Mode, guest: string, m: Measurement): Sample {
  return SampleSchema.parse({ schema: SCHEMA_VERSION, runId: '20261124T203000Z-ab12', host: 'lab', mode, guest, ...m });
}

/** measureMode with both ends on this machine (LocalHost, 127.0.0.1): real iperf3, busybox ping and httpd (loaded by our closed-loop HTTP generator). */
describe('measure/measure-mode (real tools on 127.0.0.1)', function () {
  this.timeout(120_000);
  const local = new LocalHost();
  const policy = { ...DEFAULT_REPETITION_POLICY, minRepetitions: 2, maxRepetitions: 2 };

  async function context(extra: Partial<MeasureContext> & { samples: Sample[] }): Promise<MeasureContext> {
    const { samples, ...rest } = extra;
    return {
      mode: 'vf', guest: 'vf0', guestHost: local, peerHost: local,
      peerAddress: '127.0.0.1', guestAddress: '127.0.0.1', tests: ['tcp'], policy, durationS: 1, omitS: 0,
      iperfPort: await freePorts(1), pingCommand: ['busybox', 'ping'], pingCount: 5,
      onMeasurement: async (m) => void samples.push(stamp('vf', 'vf0', m)),
      ...rest,
    };
  }

  const iperf3Left = async (port: number) => [...await livingProcesses(`iperf3 -s -1 -p ${port}`), ...await livingProcesses(`-p ${port} -J`)];

  /** measureMode with a busybox httpd on 127.0.0.1 as the guest's web server. */
  async function measureWithHttpd(extra: Partial<MeasureContext> & { samples: Sample[] }): Promise<void> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-www-'));
    await fs.writeFile(path.join(dir, 'index.html'), 'ok\n');
    const httpPort = await freePort();
    const httpd: HostProcess = await local.spawn(['busybox', 'httpd', '-f', '-p', `127.0.0.1:${httpPort}`, '-h', dir]);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await measureMode(await context({ httpUrl: `http://127.0.0.1:${httpPort}/`, httpConnections: 2, ...extra }));
    } finally {
      await httpd.kill('SIGKILL');
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  it('runs every test: a warm-up, then repetitions, one valid Sample at a time, in order', async () => {
    const samples: Sample[] = [];
    const log: string[] = [];
    await measureWithHttpd({
      samples, tests: ['tcp', 'udp', 'latency', 'http'], durationS: 2, udpBitrateBps: 10e6, lineRateBps: tcpGoodputBps(1e9), log: (l) => log.push(l),
    });
    // Per unit: the warm-up, then repetitions 0 and 1 (policy min = max = 2), units in the order of the tests.
    const runs = samples.map((s) => `${s.metric.split('.').slice(0, 2).join('.')}`);
    const order = [...new Set(samples.map((s) => s.metric))];
    assert.deepEqual(order.slice(0, 5), ['tcp.tx.throughput', 'cpu.guest.tx', 'cpu.peer.tx', 'tcp.tx.retransmits', 'tcp.tx.line_rate']);
    for (const metric of ['tcp.tx.throughput', 'tcp.rx.throughput', 'udp.tx.throughput', 'udp.tx.loss', 'udp.tx.jitter', 'udp.rx.throughput',
      'latency.idle.p50', 'latency.idle.p99', 'latency.load.p90', 'latency.load.loss', 'http.rate', 'http.latency.p99']) {
      const of = samples.filter((s) => s.metric === metric);
      assert.deepEqual(of.map((s) => [s.warmup, s.repetition]), [[true, 0], [false, 0], [false, 1]], metric);
    }
    assert.ok(runs.indexOf('tcp.rx') > runs.lastIndexOf('tcp.tx'));
    assert.ok(runs.indexOf('http.rate') > runs.lastIndexOf('latency.load'));
    const tx = samples.find((s) => s.metric === 'tcp.tx.throughput' && !s.warmup)!;
    assert.equal(tx.unit, 'bit/s');
    assert.equal(tx.labels.tool, 'iperf 3.12');
    const p50 = samples.find((s) => s.metric === 'latency.idle.p50')!;
    assert.equal(p50.unit, 's');
    assert.equal(p50.direction, 'lower-is-better');
    assert.equal(samples.find((s) => s.metric === 'http.rate')!.labels.path, 'direct');
    assert.ok(log.some((l) => /^tcp\.tx: 2 repetitions, stopped: (precise|maximum-reached)/.test(l)), log.join('\n'));
    // The repetitions' deadlines follow the warm-up: how long it took against its 2 s (-t 2, -O 0).
    assert.ok(log.some((l) => /^tcp\.tx warm-up: tcp\.tx\.throughput [\d.]+ [kMG]?bit\/s; pace [\d.]+ \(the tcp\.tx warm-up of vf0: [\d.]+ s for 2 s nominal/.test(l)), log.join('\n'));
  });

  it('warmup first: only the first test and HTTP have a warm-up, the rest start at repetition 0 with its pace; HTTP by request count', async () => {
    const samples: Sample[] = [];
    const log: string[] = [];
    await measureWithHttpd({ samples, tests: ['tcp', 'udp', 'http'], udpBitrateBps: 1e6, warmup: 'first', httpRequests: 12, log: (l) => log.push(l) });
    const runs = (metric: string) => samples.filter((s) => s.metric === metric).map((s) => [s.warmup, s.repetition]);
    for (const metric of ['tcp.tx.throughput', 'http.rate']) assert.deepEqual(runs(metric), [[true, 0], [false, 0], [false, 1]], metric);
    for (const metric of ['tcp.rx.throughput', 'udp.tx.throughput', 'udp.rx.throughput']) assert.deepEqual(runs(metric), [[false, 0], [false, 1]], metric);
    assert.equal(log.filter((l) => / warm-up: /.test(l)).length, 2, log.join('\n'));
    for (const http of samples.filter((x) => x.metric === 'http.rate')) assert.equal(http.labels.requests, '12');
  });

  it('keeps the samples before an iperf3 server killed mid-run, names the test and repetition, leaves no process', async () => {
    const samples: Sample[] = [];
    // Spawn 0 is the warm-up's server, 1 repetition 0's, 2 repetition 1's: kill that one 0.7 s in.
    const peer = recordingHost(local, (r, i) => {
      if (i === 2) setTimeout(() => void r.process.kill('SIGKILL'), 700);
    });
    const kept = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-raw-'));
    const ctx = await context({ samples, peerHost: peer, durationS: 3, lineRateBps: tcpGoodputBps(10e9),
      saveArtifact: async (name, content) => {
        const file = path.join(kept, name);
        await fs.writeFile(file, content);
        return file;
      } });
    await assert.rejects(measureMode(ctx), (e: unknown) => {
      assert.ok(e instanceof MeasurementError, String(e));
      assert.equal(e.unit, 'tcp.tx');
      assert.equal(e.repetition, 1);
      assert.equal(e.samplesDelivered, 10);
      assert.match(e.message, /measurement tcp\.tx repetition 1 failed for guest vf0 \(vf\) after 10 samples were kept: iperf3 tcp from local to 127\.0\.0\.1 .*failed: .*(control socket has closed|Connection reset|unable to)/);
      return true;
    });
    assert.equal(samples.length, 10);
    assert.deepEqual([...new Set(samples.map((s) => `${s.warmup}:${s.repetition}`))], ['true:0', 'false:0']);
    // Each repetition's raw iperf3 JSON is kept and named in its samples.
    assert.deepEqual(await fs.readdir(kept), ['vf0.tcp.tx.r0.iperf3-0.json', 'vf0.tcp.tx.warmup.iperf3-0.json']);
    const raw = samples.find((s) => !s.warmup)!.labels.raw!;
    assert.equal(raw, path.join(kept, 'vf0.tcp.tx.r0.iperf3-0.json'));
    assert.match(await fs.readFile(raw, 'utf8'), /"sum_received"/);
    await fs.rm(kept, { recursive: true, force: true });
    assert.ok(peer.spawned.every((s) => s.ended));
    assert.deepEqual(await iperf3Left(ctx.iperfPort!), []);
  });

  it('stops on abort during a repetition, kills its processes, and delivers nothing after', async () => {
    const samples: Sample[] = [];
    const controller = new AbortController();
    const peer = recordingHost(local, (_r, i) => {
      if (i === 1) setTimeout(() => controller.abort(), 500);
    });
    // Spawn 1 is repetition 0's server: abort 0.5 s into its 2 s test.
    const ctx = await context({ samples, peerHost: peer, durationS: 2, signal: controller.signal });
    await assert.rejects(measureMode(ctx), (e: unknown) => e instanceof MeasurementAbortedError && /tcp\.tx repetition 0/.test((e as Error).message));
    assert.ok(samples.every((s) => s.warmup));
    assert.ok(peer.spawned.every((s) => s.ended));
    assert.deepEqual(await iperf3Left(ctx.iperfPort!), []);
  });

  it('an abort that carries a PassbenchError (a guest\'s QEMU gone) fails the repetition it hit, naming it, and kills its processes', async () => {
    const samples: Sample[] = [];
    const controller = new AbortController();
    const peer = recordingHost(local, (_r, i) => {
      if (i === 1) setTimeout(() => controller.abort(new PassbenchError('guest vf0: its QEMU was killed by SIGKILL during the measurement of vf0', { remedy: 'Read dmesg.' })), 500);
    });
    const ctx = await context({ samples, peerHost: peer, durationS: 2, signal: controller.signal });
    await assert.rejects(measureMode(ctx), (e: unknown) => e instanceof MeasurementError
      && /^measurement tcp\.tx repetition 0 failed for guest vf0 \(vf\) after \d+ samples were kept: guest vf0: its QEMU was killed by SIGKILL/.test(e.message)
      && e.remedy === 'Read dmesg.');
    assert.ok(samples.every((s) => s.warmup));
    assert.ok(peer.spawned.every((s) => s.ended));
    assert.deepEqual(await iperf3Left(ctx.iperfPort!), []);
  });

  it('refuses an unknown test before measuring anything', async () => {
    const samples: Sample[] = [];
    await assert.rejects(measureMode(await context({ samples, tests: ['tcp', 'dns' as never] })), /unknown test "dns"/);
    assert.equal(samples.length, 0);
  });
});

/**
 * The guest vanishing mid-measurement (what killing its QEMU looks like from the controller): the
 * guest side runs over SSH to a real sshd, which is killed with every session under it.
 */
describe('measure/measure-mode with the guest over SSH vanishing mid-run', function () {
  this.timeout(120_000);

  it('fails with the test and repetition, keeps the earlier samples, leaves no iperf3', async () => {
    const sshd = await startSshd();
    const guest = await SshHost.connect({ address: sshd.address, port: sshd.port, user: sshd.user,
      identityFile: sshd.clientKey.privateKeyPath, hostKey: formatPublicKey(sshd.hostKey.publicKey) });
    const local = new LocalHost();
    const port = await freePorts(1);
    const samples: Sample[] = [];
    // The peer's spawn 2 is repetition 1's server: 1 s into it, the guest "dies".
    const peer = recordingHost(local, (_r, i) => {
      if (i === 2) setTimeout(() => void sshd.stop(), 1_000);
    });
    try {
      await assert.rejects(measureMode({
        mode: 'nic', guest: 'nic0', guestHost: guest, peerHost: peer,
        peerAddress: '127.0.0.1', guestAddress: '127.0.0.1', tests: ['tcp'], durationS: 4, omitS: 0, iperfPort: port,
        policy: { ...DEFAULT_REPETITION_POLICY, minRepetitions: 3, maxRepetitions: 3 },
        onMeasurement: async (m) => void samples.push(stamp('nic', 'nic0', m)),
      }), (e: unknown) => {
        assert.ok(e instanceof MeasurementError, String(e));
        assert.equal(e.unit, 'tcp.tx');
        assert.equal(e.repetition, 1);
        if (process.env.PASSBENCH_SHOW_ERRORS) console.error(e.message);
        assert.match(e.message, /measurement tcp\.tx repetition 1 failed for guest nic0 \(nic\) after 8 samples were kept/);
        return true;
      });
      assert.equal(samples.length, 8);
      assert.ok(peer.spawned.every((s) => s.ended), 'the peer\'s iperf3 server outlived the guest');
      assert.deepEqual(await livingProcesses(`-p ${port}`), []);
    } finally {
      await guest.close();
      await sshd.stop().catch(() => undefined);
    }
  });
});
