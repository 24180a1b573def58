import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import { LocalHost } from '../../../harness/host/local-host.ts';
import { SshHost } from '../../../harness/host/ssh-host.ts';
import { formatPublicKey, generateKeyPair } from '../../../harness/host/ssh-keys.ts';
import { tempDir } from '../../support/temp-dirs.ts';

/**
 * A server that answers an exec with everything at once: the reply, the shell's PID line, the exit
 * status, EOF and close, in one write. On a busy machine a short command's answer arrives like that
 * in one read (the virtual lab's `rm -rf` of a guest folder came back "ended without an exit status");
 * a real sshd on an idle loopback rarely shows it.
 */
describe('host/ssh-host: a command whose whole answer arrives in one read', function () {
  this.timeout(30_000);
  let server: ssh2.Server;
  let host: SshHost;

  before(async () => {
    const dir = await tempDir('passbench-fake-sshd-');
    const local = new LocalHost();
    const hostKey = await generateKeyPair(local, dir, 'host_ed25519');
    const clientKey = await generateKeyPair(local, dir, 'client_ed25519');
    server = new ssh2.Server({ hostKeys: [await readFile(hostKey.privateKeyPath)] }, (client) => {
      client.on('authentication', (ctx) => (ctx.method === 'publickey' ? ctx.accept() : ctx.reject(['publickey'])));
      client.on('ready', () => client.on('session', (accept) => accept().on('exec', (acceptExec, _reject, info) => {
        const stream = acceptExec();
        stream.write('4242\nout\n');
        stream.exit(/exec '?false'?$/.test(info.command) ? 1 : 0);
        stream.end();
      })));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = await SshHost.connect({
      address: '127.0.0.1', port: (server.address() as AddressInfo).port, user: 'root',
      identityFile: clientKey.privateKeyPath, hostKey: formatPublicKey(hostKey.publicKey),
    });
  });

  after(async () => {
    await host?.close();
    server?.close();
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
