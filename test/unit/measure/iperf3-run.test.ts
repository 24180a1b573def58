import assert from 'node:assert/strict';
import { PassbenchError, TimeoutError } from '../../../harness/errors.ts';
import { LocalHost } from '../../../harness/host/local-host.ts';
import { SshHost } from '../../../harness/host/ssh-host.ts';
import { formatPublicKey } from '../../../harness/host/ssh-keys.ts';
import { Iperf3Error, runIperf3 } from '../../../harness/measure/iperf3.ts';
import { MeasurementAbortedError } from '../../../harness/measure/processes.ts';
import { startSshd, type Sshd } from '../../support/sshd.ts';
import { freePorts, livingProcesses, recordingHost } from './measure-support.ts';

/** Real iperf3 (3.12) over 127.0.0.1, client and server on this machine (LocalHost, or one end over a real sshd). */
describe('measure/iperf3 runIperf3 (real iperf3 on 127.0.0.1)', function () {
  this.timeout(60_000);
  const local = new LocalHost();
  const short = { durationS: 1, omitS: 0 };

  async function assertNoIperf3On(port: number): Promise<void> {
    assert.deepEqual(await livingProcesses(`iperf3 -s -1 -p ${port}`), []);
    assert.deepEqual(await livingProcesses(`-p ${port} -J`), []);
  }

  it('measures TCP both directions and stops its server', async () => {
    const port = await freePorts(1);
    const server = recordingHost(local);
    const tx = await runIperf3(local, server, '127.0.0.1', { protocol: 'tcp', port, ...short });
    assert.equal(tx.protocol, 'tcp');
    assert.equal(tx.reverse, false);
    assert.ok(tx.bitsPerSecond > 1e6, `${tx.bitsPerSecond} bit/s`);
    assert.equal(typeof tx.retransmits, 'number');
    assert.ok(tx.cpuLocal > 0 && tx.cpuRemote > 0);
    const rx = await runIperf3(local, server, '127.0.0.1', { protocol: 'tcp', reverse: true, port, ...short });
    assert.equal(rx.reverse, true);
    assert.ok(rx.bitsPerSecond > 1e6);
    assert.ok(server.spawned.every((s) => s.ended), 'a server outlived its test');
    await assertNoIperf3On(port);
  });

  it('measures UDP with jitter and loss at the requested rate', async () => {
    const port = await freePorts(1);
    const r = await runIperf3(local, local, '127.0.0.1', { protocol: 'udp', udpBitrate: 20e6, port, ...short });
    assert.equal(r.protocol, 'udp');
    assert.ok(Math.abs(r.senderBitsPerSecond - 20e6) < 2e6, `${r.senderBitsPerSecond}`);
    assert.equal(typeof r.jitterS, 'number');
    assert.equal(typeof r.lostPercent, 'number');
  });

  it('runs several streams as several processes on consecutive ports (iperf3 < 3.16) and sums them', async () => {
    const port = await freePorts(2);
    const server = recordingHost(local);
    const r = await runIperf3(local, server, '127.0.0.1', { protocol: 'tcp', streams: 2, port, ...short });
    assert.deepEqual(server.spawned.map((s) => s.argv[4]), [String(port), String(port + 1)]);
    assert.equal(r.streams, 2);
    assert.ok(r.bitsPerSecond > 1e6);
  });

  it('reports a dead server clearly and leaves no iperf3 behind', async () => {
    const port = await freePorts(1);
    // Kill the server 1 s into a 10 s test.
    const server = recordingHost(local, (r) => setTimeout(() => void r.process.kill('SIGKILL'), 1_000));
    await assert.rejects(runIperf3(local, server, '127.0.0.1', { protocol: 'tcp', port, durationS: 10, omitS: 0 }), (e: unknown) => {
      assert.ok(e instanceof Iperf3Error, String(e));
      assert.match(e.message, /iperf3 tcp from local to 127\.0\.0\.1 .*failed: .*(control socket has closed|unable to)/);
      assert.match(e.remedy ?? '', /server was killed by SIGKILL/);
      return true;
    });
    await assertNoIperf3On(port);
  });

  it('says so when nothing can listen on the port, naming it', async () => {
    const port = await freePorts(1);
    const blocker = await local.spawn(['iperf3', '-s', '-p', String(port)]);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await assert.rejects(runIperf3(local, local, '127.0.0.1', { protocol: 'tcp', port, ...short }), (e: unknown) =>
        e instanceof PassbenchError && /exited before listening on port/.test(e.message) && /taken/.test(e.remedy ?? ''));
    } finally {
      await blocker.kill('SIGKILL');
      await blocker.exited;
    }
  });

  it('gives up on a server that never listens at its deadline, and kills it', async () => {
    const port = await freePorts(1);
    const fakeServer = recordingHost(local);
    // A "server" that never prints that it listens.
    fakeServer.spawn = async (_argv, options) => local.spawn(['sleep', '31.25'], options);
    await assert.rejects(runIperf3(local, fakeServer, '127.0.0.1', { protocol: 'tcp', port, listenTimeoutMs: 500, ...short }), TimeoutError);
    assert.deepEqual(await livingProcesses('sleep 31.25'), []);
  });

  it('gives up on a client that never starts (its SSH connection dead) at the run deadline, and stops the server', async () => {
    const port = await freePorts(1);
    const deadClient = recordingHost(local);
    // As an SshHost whose peer vanished: the exec channel is never answered.
    deadClient.spawn = () => new Promise(() => undefined);
    await assert.rejects(runIperf3(deadClient, local, '127.0.0.1', { protocol: 'tcp', port, ...short }),
      (e: Error) => e instanceof TimeoutError && /starting client 0 on .*no result after 31000 ms/.test(e.message));
    await assertNoIperf3On(port);
  });

  it('stops at once when aborted mid-run and kills both ends', async () => {
    const port = await freePorts(1);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1_500);
    const started = Date.now();
    await assert.rejects(runIperf3(local, local, '127.0.0.1', { protocol: 'tcp', port, durationS: 20, omitS: 0, signal: controller.signal }),
      MeasurementAbortedError);
    assert.ok(Date.now() - started < 10_000);
    await assertNoIperf3On(port);
  });

  describe('with the server over SSH (real sshd)', () => {
    let sshd: Sshd;
    let remote: SshHost;
    before(async () => {
      sshd = await startSshd();
      remote = await SshHost.connect({ address: sshd.address, port: sshd.port, user: sshd.user,
        identityFile: sshd.clientKey.privateKeyPath, hostKey: formatPublicKey(sshd.hostKey.publicKey) });
    });
    after(async () => {
      await remote?.close();
      await sshd?.stop();
    });

    it('measures, and a server killed over SSH mid-run gives a clear error and no leftover', async () => {
      const port = await freePorts(1);
      const ok = await runIperf3(local, remote, '127.0.0.1', { protocol: 'tcp', port, ...short });
      assert.ok(ok.bitsPerSecond > 1e6);
      const server = recordingHost(remote, (r) => setTimeout(() => void r.process.kill('SIGKILL'), 1_000));
      await assert.rejects(runIperf3(local, server, '127.0.0.1', { protocol: 'tcp', port, durationS: 10, omitS: 0 }),
        /failed: .*(control socket|unable to)/);
      await assertNoIperf3On(port);
    });
  });
});
