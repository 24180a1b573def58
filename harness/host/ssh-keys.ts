/**
 * SSH key material: fresh ed25519 pairs (made with ssh-keygen through a Host), OpenSSH public key
 * lines, known_hosts lookups and SHA256 fingerprints written the way `ssh-keygen -l` writes them.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { UsageError } from '../errors.ts';
import type { Host } from './host.ts';

export interface PublicKey {
  /** `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`… */
  type: string;
  /** The key blob as sent on the wire: what a host key is compared by. */
  blob: Buffer;
  comment: string;
}

export interface KeyPair {
  privateKeyPath: string;
  publicKeyPath: string;
  publicKey: PublicKey;
}

const KEY_TYPE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9@.-]+)$/;

/** `SHA256:base64` without padding, as `ssh-keygen -lf` prints it. */
export function fingerprint(key: PublicKey | Buffer): string {
  const blob = Buffer.isBuffer(key) ? key : key.blob;
  return `SHA256:${crypto.createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Parses `TYPE BASE64 [comment]`; the type inside the blob must agree with the one written. */
export function parsePublicKey(line: string, source = 'public key'): PublicKey {
  const [type = '', data = '', ...comment] = line.trim().split(/\s+/);
  const bad = (why: string) =>
    new UsageError(`${source}: not an OpenSSH public key line (${why}): ${JSON.stringify(line.slice(0, 80))}`, {
      remedy: 'Give the whole line, e.g. the content of /etc/ssh/ssh_host_ed25519_key.pub: "ssh-ed25519 AAAA… comment".',
    });
  if (!KEY_TYPE.test(type)) throw bad(`unknown key type ${JSON.stringify(type)}`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data)) throw bad('the key is not base64');
  const blob = Buffer.from(data, 'base64');
  const inner = blob.length >= 4 ? blob.subarray(4, 4 + blob.readUInt32BE(0)).toString('latin1') : '';
  if (inner !== type) throw bad(`the key data says ${JSON.stringify(inner)}, the line says ${JSON.stringify(type)}`);
  return { type, blob, comment: comment.join(' ') };
}

/** The name known_hosts uses for an address: `addr` on port 22, `[addr]:port` otherwise. */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/**
 * The keys a known_hosts text pins for an address (plain and hashed `|1|salt|hash` entries).
 * Revoked and CA lines (`@revoked`, `@cert-authority`) pin nothing here.
 */
export function findKnownHostKeys(text: string, address: string, port: number, source = 'known_hosts'): PublicKey[] {
  const name = knownHostsName(address, port);
  const keys: PublicKey[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('@')) continue;
    const [hosts = '', ...rest] = line.split(/\s+/);
    if (hostsMatch(hosts, name)) keys.push(parsePublicKey(rest.join(' '), source));
  }
  return keys;
}

function hostsMatch(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt = '', hash = ''] = hosts.split('|');
    const mac = crypto.createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  // Wildcards and negations are left out on purpose: a pin names one host exactly.
  return hosts.split(',').includes(name);
}

/** Makes a fresh ed25519 pair at DIR/NAME and DIR/NAME.pub; the private key is mode 0600. */
export async function generateKeyPair(host: Host, dir: string, name = 'id_ed25519', comment = 'passbench'): Promise<KeyPair> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new UsageError(`key file name ${JSON.stringify(name)}: use letters, digits, ".", "_" and "-"`);
  const privateKeyPath = path.posix.join(dir, name);
  await host.mkdir(dir, { mode: 0o700 });
  // ssh-keygen asks before overwriting; a fresh pair means a fresh file.
  await host.remove(privateKeyPath);
  await host.remove(`${privateKeyPath}.pub`);
  await host.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', privateKeyPath]);
  await host.writeFile(privateKeyPath, await host.readFile(privateKeyPath), { mode: 0o600 });
  return { privateKeyPath, publicKeyPath: `${privateKeyPath}.pub`, publicKey: await readPublicKey(host, `${privateKeyPath}.pub`) };
}

export async function readPublicKey(host: Host, file: string): Promise<PublicKey> {
  return parsePublicKey(await host.readFile(file), file);
}

export function formatPublicKey(key: PublicKey): string {
  return `${key.type} ${key.blob.toString('base64')}${key.comment ? ` ${key.comment}` : ''}`;
}
