import assert from 'node:assert/strict';
import type ssh2 from 'ssh2';
import type { SshHost } from '../../../harness/host/ssh-host.ts';
import { isFinal, waitUntil } from '../../../harness/wait/index.ts';
import { startFakeSshd, type FakeSshd } from '../../support/fake-sshd.ts';

/**
 * A server whose session process dies (the virtual lab's dropbear 2022.83 exits a session on an
 * assertion, mkj/dropbear#321): every later call fails at once naming the lost connection, and a
 * wait polling over it ends at once instead of retrying until its deadline (a lab test hung for
 * its whole 40 minutes that way).
 */
describe('host/ssh-host: a connection the server drops', function () {
  this.timeout(30_000);
  let sshd: FakeSshd;
  let host: SshHost;

  before(async () => {
    sshd = await startFakeSshd();
    host = sshd.host;
    const client = (host as unknown as { client: ssh2.Client }).client;
    const dropped = new Promise<void>((resolve) => client.once('close', () => resolve()));
    for (const s of sshd.sessions) s.end();
    await dropped;
  });

  after(async () => {
    await sshd?.stop();
  });

  it('fails a command at once, naming the lost connection', async () => {
    await assert.rejects(host.run(['true']), (error: Error) => {
      assert.match(error.message, /not run: the SSH connection was lost/);
      assert.ok(isFinal(error), 'final: no wait retries it');
      return true;
    });
  });

  it('ends a wait polling over it at once (not at its 60 s deadline, past this test\'s 30 s)', async () => {
    await assert.rejects(waitUntil('a file over the dead connection', () => host.readFile('/etc/hostname'), { deadline: 60_000, intervalMs: 100 }),
      (error: Error) => {
        assert.ok(isFinal(error), `${error.name}: ${error.message}`);
        assert.match(String((error.cause as Error | undefined)?.message), /SSH connection to .* was lost at/);
        return true;
      });
  });

  it('refuses a tunnel through it', async () => {
    await assert.rejects(host.forwardOut('10.0.3.21', 22), /was lost at/);
  });
});
