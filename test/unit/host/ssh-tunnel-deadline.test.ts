import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import { LocalHost } from '../../../harness/host/local-host.ts';
import { SshHost } from '../../../harness/host/ssh-host.ts';
import { formatPublicKey, generateKeyPair } from '../../../harness/host/ssh-keys.ts';
import { WaitTimeoutError } from '../../../harness/wait/index.ts';
import { tempDir } from '../../support/temp-dirs.ts';

/**
 * A jump host that never answers a tunnel request (its connect() to a guest that rebooted or hangs
 * can take minutes): forwardOut ends at its deadline, naming the tunnel, instead of waiting without
 * end (a virtual-lab nightly waited minutes with no output that way).
 */
describe('host/ssh-host: a tunnel the jump host never opens', function () {
  this.timeout(30_000);
  let server: ssh2.Server;
  let host: SshHost;

  before(async () => {
    const dir = await tempDir('passbench-tunnel-sshd-');
    const local = new LocalHost();
    const hostKey = await generateKeyPair(local, dir, 'host_ed25519');
    const clientKey = await generateKeyPair(local, dir, 'client_ed25519');
    server = new ssh2.Server({ hostKeys: [await readFile(hostKey.privateKeyPath)] }, (client) => {
      client.on('error', () => {});
      client.on('authentication', (ctx) => (ctx.method === 'publickey' ? ctx.accept() : ctx.reject(['publickey'])));
      client.on('ready', () => client.on('tcpip', () => { /* never accepted nor rejected */ }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = await SshHost.connect({
      address: '127.0.0.1', port: (server.address() as AddressInfo).port, user: 'root',
      identityFile: clientKey.privateKeyPath, hostKey: formatPublicKey(hostKey.publicKey), sftpDeadlineMs: 1_000,
    });
  });

  after(async () => {
    await host?.close();
    server?.close();
  });

  it('fails at its deadline, naming the tunnel', async () => {
    const started = Date.now();
    await assert.rejects(host.forwardOut('10.0.3.31', 22), (error: Error) => {
      assert.ok(error instanceof WaitTimeoutError, `${error.name}: ${error.message}`);
      assert.match(error.message, /opening a tunnel to 10\.0\.3\.31:22 through ssh:\/\/root@127\.0\.0\.1:\d+: no result after 1000 ms/);
      return true;
    });
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  });
});
