import assert from 'node:assert/strict';
import type { SshHost } from '../../../harness/host/ssh-host.ts';
import { startFakeSshd, type FakeSshd } from '../../support/fake-sshd.ts';

/**
 * A server that answers an exec with everything at once: the reply, the shell's PID line, the exit
 * status, EOF and close, in one write. On a busy machine a short command's answer arrives like that
 * in one read (the virtual lab's `rm -rf` of a guest folder came back "ended without an exit status");
 * a real sshd on an idle loopback rarely shows it.
 */
describe('host/ssh-host: a command whose whole answer arrives in one read', function () {
  this.timeout(30_000);
  let sshd: FakeSshd;
  let host: SshHost;

  before(async () => {
    sshd = await startFakeSshd((client) => client.on('session', (accept) => accept().on('exec', (acceptExec, _reject, info) => {
      const stream = acceptExec();
      stream.write('4242\nout\n');
      stream.exit(/exec '?false'?$/.test(info.command) ? 1 : 0);
      stream.end();
    })));
    host = sshd.host;
  });

  after(async () => {
    await sshd?.stop();
  });

  it('keeps the exit status and the output, every time', async () => {
    for (let i = 0; i < 20; i++) {
      const ok = await host.run(['true']);
      assert.equal(ok.exitCode, 0);
      assert.equal(ok.stdout, 'out\n');
      assert.equal((await host.run(['false'], { allowFailure: true })).exitCode, 1);
    }
  });
});
