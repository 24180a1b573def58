/**
 * Opening an SSH connection for SshHost.connect: key authentication, and the host key checked
 * against the pinned ones during the handshake, so anything else is refused before a single command
 * runs. Apart from ssh-host.ts, which is about what runs over the connection once it is open.
 */
import type { Duplex } from 'node:stream';
// ssh2 is CommonJS without named ESM exports: take the default export.
import ssh2 from 'ssh2';
import type { Client, ConnectConfig } from 'ssh2';
import { describeKey, hostKeyAlgorithms, readIdentity, readPinnedKeys } from './ssh-credentials.ts';
import { HostKeyMismatchError, connectError } from './ssh-errors.ts';
import type { SshTarget } from './ssh-target.ts';

export interface Handshake {
  options: SshTarget & { connectTimeoutMs?: number };
  port: number;
  user: string;
  /** ssh://user@address:port, as errors and logs name the host. */
  name: string;
  /** The name, with the jump host it goes through. */
  target: string;
  /** The transport when not plain TCP (a tunnel through a jump host), opened once the keys are read. */
  transport: () => Promise<Duplex | undefined>;
}

/** An authenticated client whose host presented a pinned key; HostKeyMismatchError or SshConnectError otherwise. */
export async function openSshClient(h: Handshake): Promise<Client> {
  const { options, port, name, target } = h;
  const pinned = await readPinnedKeys(options, name, port);
  const privateKey = await readIdentity(options.identityFile, name);
  const sock = await h.transport();

  const client = new ssh2.Client();
  let presented: Buffer | undefined;
  const config: ConnectConfig = {
    host: options.address, port, username: h.user, privateKey, sock,
    readyTimeout: options.connectTimeoutMs ?? 20_000,
    // Offer only the pinned key types, or a host with several keys may show one we did not pin.
    algorithms: { serverHostKey: hostKeyAlgorithms(pinned) as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] },
    hostVerifier: (key: Buffer) => {
      presented = key;
      return pinned.some((p) => p.blob.equals(key));
    },
  };
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error('the server closed the connection during the handshake')));
      client.connect(config);
    });
  } catch (error) {
    // A failed handshake can still report a reset afterwards; it must not become an uncaught error.
    client.on('error', () => {});
    client.end();
    sock?.destroy();
    if (presented && !pinned.some((p) => p.blob.equals(presented!))) {
      throw new HostKeyMismatchError(target, pinned.map(describeKey), describeKey(presented));
    }
    throw connectError(target, options, error);
  }
  // After the handshake, failures surface on the channel in use; keep an error here from crashing the process.
  client.on('error', () => {});
  // Through a jump host the transport is a tunnel, which the far end can half-close: the jump
  // host then waits for our EOF before it closes, and ssh2 fails its channels only on close, so
  // every command would wait out its deadline (47 s in the lab when a guest dropped the session).
  // An SSH transport is useless half-closed: end it, so the loss shows at once.
  if (sock) client.on('end', () => sock.destroy());
  return client;
}
