import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { LocalHost } from '../../../harness/host/local-host.ts';
import type { HostProcess } from '../../../harness/host/host.ts';
import { SshHost } from '../../../harness/host/ssh-host.ts';
import { formatPublicKey } from '../../../harness/host/ssh-keys.ts';
import { runHttpLoad } from '../../../harness/measure/http-load.ts';
import { startSshd, type Sshd } from '../../support/sshd.ts';
import { tempDir } from '../../support/temp-dirs.ts';
import { assertAllClosed, countingServer } from './counting-server.ts';
import { freePort } from './measure-support.ts';

/** Our closed-loop generator against a real busybox httpd on 127.0.0.1 (and node:http servers), directly and through a real SSH tunnel. */
describe('measure/http-load (closed-loop generator, busybox httpd)', function () {
  this.timeout(60_000);
  let dir: string;
  let httpd: HostProcess;
  let port: number;
  let sshd: Sshd;
  let ssh: SshHost;

  before(async () => {
    dir = await tempDir('passbench-httpd-');
    await fs.writeFile(path.join(dir, 'index.html'), 'passbench\n');
    port = await freePort();
    httpd = await new LocalHost().spawn(['busybox', 'httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', dir]);
    await waitForPort(port);
    sshd = await startSshd();
    ssh = await SshHost.connect({ address: sshd.address, port: sshd.port, user: sshd.user,
      identityFile: sshd.clientKey.privateKeyPath, hostKey: formatPublicKey(sshd.hostKey.publicKey) });
  });

  after(async () => {
    await ssh?.close();
    await sshd?.stop();
    await httpd?.kill('SIGKILL');
  });

  it('measures a direct URL: rate and latency percentiles in seconds', async () => {
    const r = await runHttpLoad({ url: `http://127.0.0.1:${port}/` }, { durationS: 1, connections: 2 });
    assert.equal(r.path, 'direct');
    assert.ok(r.requestsPerSecond > 0 && r.requests > 0);
    assert.equal(r.non2xx, 0);
    assert.ok(r.p50 <= r.p90 && r.p90 <= r.p99 && r.p99 < 5, `${r.p50} ${r.p90} ${r.p99}`);
  });

  it('goes through the SSH connection\'s forwardOut and says so', async () => {
    const r = await runHttpLoad({ ssh, port }, { durationS: 1, connections: 2 });
    assert.equal(r.path, 'ssh-tunnel');
    assert.match(r.target, /via SSH forwardOut/);
    assert.ok(r.requests > 0);
    assert.equal(r.non2xx, 0);
  });

  it('by request count through the SSH tunnel: exactly that many answered, each on its own forwardOut channel', async () => {
    const r = await runHttpLoad({ ssh, port }, { requests: 20, connections: 5 });
    assert.equal(r.path, 'ssh-tunnel');
    assert.equal(r.requests, 20);
    assert.equal(r.non2xx, 0);
    assert.ok(Math.abs(r.requestsPerSecond - 20 / r.durationS) < 1e-9);
  });

  it('counts an answer that comes after 10 s (autocannon\'s default request timeout) and after the run\'s duration', async () => {
    const slow = http.createServer((_req, res) => void setTimeout(() => res.end('late\n'), 10_500));
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      // The one request starts at once and is still in flight when the 10 s end: it is awaited and counted.
      const r = await runHttpLoad({ url: `http://127.0.0.1:${(slow.address() as net.AddressInfo).port}/` }, { durationS: 10, connections: 1 });
      assert.equal(r.requests, 1);
      assert.equal(r.timeouts, 0);
      assert.equal(r.errors, 0);
      assert.ok(r.p50 >= 10, `p50 ${r.p50} s`);
      assert.ok(r.durationS >= r.p50 && Math.abs(r.requestsPerSecond - 1 / r.durationS) < 1e-9, `${r.requestsPerSecond} req/s over ${r.durationS} s`);
    } finally {
      slow.closeAllConnections();
      slow.close();
    }
  });

  it('by request count: runs until that many are answered, however slowly, and takes the rate over the time they took', async () => {
    const slow = http.createServer((_req, res) => void setTimeout(() => res.end('late\n'), 1_500));
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      // A run of 1 s would see no answer at all.
      const r = await runHttpLoad({ url: `http://127.0.0.1:${(slow.address() as net.AddressInfo).port}/` }, { durationS: 1, requests: 2, connections: 1 });
      assert.equal(r.requests, 2);
      assert.ok(r.durationS >= 3, `took ${r.durationS} s`);
      assert.ok(Math.abs(r.requestsPerSecond - 2 / r.durationS) < 1e-9);
    } finally {
      slow.closeAllConnections();
      slow.close();
    }
  });

  it('by request count against a server that closes every connection: exactly that many answered, over our own clock', async () => {
    // busybox httpd answers and closes. autocannon wrote its next request on the closing socket
    // (sent, never answered: 20 of 30) and took the time at its 1 s tick (1.01 s for ~30 ms of work).
    const r = await runHttpLoad({ url: `http://127.0.0.1:${port}/` }, { requests: 30, connections: 10 });
    assert.equal(r.requests, 30);
    assert.equal(r.non2xx, 0);
    assert.ok(Math.abs(r.requestsPerSecond - 30 / r.durationS) < 1e-9, `${r.requestsPerSecond} req/s over ${r.durationS} s`);
    // Not a whole second: a local busybox answers in about a millisecond, so even a loaded machine is far below.
    assert.ok(r.durationS > 0 && r.durationS < 0.9, `took ${r.durationS} s`);
    assert.ok(r.p50 <= r.p90 && r.p90 <= r.p99 && r.p99 <= r.durationS, `${r.p50} ${r.p90} ${r.p99} of ${r.durationS}`);
  });

  it('by request count: never sends more requests than it needs, whether the server closes or keeps the connection', async () => {
    for (const keepAlive of [false, true]) {
      const server = await countingServer((_req, res) => {
        if (!keepAlive) res.setHeader('Connection', 'close');
        res.end('ok\n');
      });
      try {
        const r = await runHttpLoad({ url: server.url }, { requests: 25, connections: 4 });
        assert.equal(r.requests, 25, `keepAlive ${keepAlive}`);
        assert.equal(server.requests, 25, `keepAlive ${keepAlive}: requests the server saw`);
        // Kept alive, the 4 workers reuse their connections; closed, every request has its own.
        if (keepAlive) assert.ok(server.connections <= 4, `${server.connections} connections`);
        else assert.equal(server.connections, 25);
      } finally {
        await server.close();
      }
    }
  });

  it('on abort ends at once and leaves no connection open, kept-alive or waiting for an answer', async () => {
    let answered = 0;
    // Every third request hangs: at the abort some connections wait for an answer, others idle in keep-alive.
    const server = await countingServer((_req, res) => {
      if (++answered % 3 === 0) return;
      res.end('ok\n');
    });
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const started = Date.now();
      await assert.rejects(runHttpLoad({ url: server.url }, { durationS: 20, connections: 3, signal: controller.signal }), /aborted/);
      assert.ok(Date.now() - started < 5_000);
      assert.ok(server.connections > 0);
      await assertAllClosed(server);
    } finally {
      await server.close();
    }
  });

  it('fails clearly when nothing answers behind the tunnel', async () => {
    const closed = await freePort();
    await assert.rejects(runHttpLoad({ ssh, port: closed }, { durationS: 1, connections: 1 }),
      /no successful request .*tunnel: .*could not open a tunnel/);
  });

  it('stops early on abort', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const started = Date.now();
    await assert.rejects(runHttpLoad({ url: `http://127.0.0.1:${port}/` }, { durationS: 20, connections: 1, signal: controller.signal }), /aborted/);
    assert.ok(Date.now() - started < 5_000);
  });
});

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`busybox httpd did not listen on ${port}`);
}

