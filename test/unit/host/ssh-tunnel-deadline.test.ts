import assert from 'node:assert/strict';
import type { SshHost } from '../../../harness/host/ssh-host.ts';
import { WaitTimeoutError } from '../../../harness/wait/index.ts';
import { startFakeSshd, type FakeSshd } from '../../support/fake-sshd.ts';

/**
 * A jump host that never answers a tunnel request (its connect() to a guest that rebooted or hangs
 * can take minutes): forwardOut ends at its deadline, naming the tunnel, instead of waiting without
 * end (a virtual-lab nightly waited minutes with no output that way).
 */
describe('host/ssh-host: a tunnel the jump host never opens', function () {
  this.timeout(30_000);
  let sshd: FakeSshd;
  let host: SshHost;

  before(async () => {
    sshd = await startFakeSshd((client) => client.on('tcpip', () => { /* never accepted nor rejected */ }), { sftpDeadlineMs: 1_000 });
    host = sshd.host;
  });

  after(async () => {
    await sshd?.stop();
  });

  it('fails at its deadline, naming the tunnel', async () => {
    await assert.rejects(host.forwardOut('10.0.3.31', 22), (error: Error) => {
      assert.ok(error instanceof WaitTimeoutError, `${error.name}: ${error.message}`);
      assert.match(error.message, /opening a tunnel to 10\.0\.3\.31:22 through ssh:\/\/root@127\.0\.0\.1:\d+: no result after 1000 ms/);
      return true;
    });
  });
});
