import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import { LocalHost } from '../../harness/host/local-host.ts';
import { SshHost, type SshHostOptions } from '../../harness/host/ssh-host.ts';
import { formatPublicKey, generateKeyPair } from '../../harness/host/ssh-keys.ts';
import { tempDir } from './temp-dirs.ts';

export interface FakeSshd {
  server: ssh2.Server;
  /** Each connection the server accepted, in order. */
  sessions: ssh2.Connection[];
  /** An SshHost connected to it (public-key auth, host key pinned). */
  host: SshHost;
  stop(): Promise<void>;
}

/**
 * An ssh2 server on 127.0.0.1 that accepts any public key and hands each authenticated connection
 * to `onReady`: for tests of how SshHost copes with a server that misbehaves in one precise way.
 */
export async function startFakeSshd(onReady: (client: ssh2.Connection) => void = () => {},
  options: Partial<SshHostOptions> = {}): Promise<FakeSshd> {
  const dir = await tempDir('passbench-fake-sshd-');
  const local = new LocalHost();
  const hostKey = await generateKeyPair(local, dir, 'host_ed25519');
  const clientKey = await generateKeyPair(local, dir, 'client_ed25519');
  const sessions: ssh2.Connection[] = [];
  const server = new ssh2.Server({ hostKeys: [await readFile(hostKey.privateKeyPath)] }, (client) => {
    sessions.push(client);
    client.on('error', () => {});
    client.on('authentication', (ctx) => (ctx.method === 'publickey' ? ctx.accept() : ctx.reject(['publickey'])));
    client.on('ready', () => onReady(client));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = await SshHost.connect({
    address: '127.0.0.1', port: (server.address() as AddressInfo).port, user: 'root',
    identityFile: clientKey.privateKeyPath, hostKey: formatPublicKey(hostKey.publicKey), ...options,
  });
  return {
    server, sessions, host,
    async stop() {
      await host.close();
      server.close();
    },
  };
}
