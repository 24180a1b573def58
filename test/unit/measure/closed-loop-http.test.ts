import assert from 'node:assert/strict';
import type net from 'node:net';
import { runClosedLoop } from '../../../harness/measure/closed-loop-http.ts';
import { assertAllClosed, countingServer } from './counting-server.ts';
import { freePort } from './measure-support.ts';

/** The generator's own edges, with deadlines short enough to test (runHttpLoad's are 30 s and more). */
describe('measure/closed-loop-http', function () {
  this.timeout(30_000);

  it('at the cutoff counts what is in flight as timeouts, keeps what was answered, and closes every connection', async () => {
    let seen = 0;
    // The first two answer; every later one hangs.
    const server = await countingServer((_req, res) => void (++seen <= 2 && res.end('ok\n')));
    try {
      const t = await runClosedLoop({ url: server.url, connections: 2, startForMs: 60_000, cutoffMs: 500 });
      assert.equal(t.end, 'cutoff');
      assert.equal(t.ok, 2);
      assert.equal(t.timeouts, 2);
      assert.equal(t.latenciesS.length, 2);
      assert.ok(t.elapsedS > 0 && t.elapsedS < 0.5, `${t.elapsedS} s`);
      await assertAllClosed(server);
    } finally {
      await server.close();
    }
  });

  it('counts connection errors (reset) and tries again until the count is answered', async () => {
    let connections = 0;
    const server = await countingServer((_req, res) => res.end('ok\n'));
    // Every other connection is reset as soon as it is accepted.
    server.raw.prependListener('connection', (socket: net.Socket) => void (++connections % 2 === 1 && socket.resetAndDestroy()));
    try {
      const t = await runClosedLoop({ url: server.url, connections: 2, requests: 6, cutoffMs: 20_000 });
      assert.equal(t.end, 'done');
      assert.equal(t.ok, 6);
      assert.ok(t.errors >= 1, `${t.errors} errors`);
      assert.match(t.lastError ?? '', /ECONNRESET|socket hang up/);
    } finally {
      await server.close();
    }
  });

  it('on a refused port counts errors without answers until the cutoff', async () => {
    const t = await runClosedLoop({ url: `http://127.0.0.1:${await freePort()}/`, connections: 1, requests: 3, cutoffMs: 400 });
    assert.equal(t.end, 'cutoff');
    assert.equal(t.ok, 0);
    assert.ok(t.errors >= 1);
    assert.match(t.lastError ?? '', /ECONNREFUSED/);
  });
});

