/**
 * The keys an SSH connection needs: the pinned host keys (hostKey lines and known_hosts entries,
 * never "accept any"), the algorithms to offer for them, and the client's identity file.
 */
import fs from 'node:fs/promises';
import { UsageError, errorMessage } from '../errors.ts';
import type { SshTarget } from './ssh-target.ts';
import { findKnownHostKeys, fingerprint, knownHostsName, parsePublicKey, type PublicKey } from './ssh-keys.ts';

export function describeKey(key: PublicKey | Buffer): string {
  const blob = Buffer.isBuffer(key) ? key : key.blob;
  const type = blob.length >= 4 ? blob.subarray(4, 4 + blob.readUInt32BE(0)).toString('latin1') : 'unknown';
  return `${fingerprint(blob)} (${type})`;
}

export function hostKeyAlgorithms(keys: readonly PublicKey[]): string[] {
  const names = keys.flatMap((k) => (k.type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [k.type]));
  return [...new Set(names)];
}

export async function readPinnedKeys(options: SshTarget, name: string, port: number): Promise<PublicKey[]> {
  const lines = options.hostKey === undefined ? [] : typeof options.hostKey === 'string' ? [options.hostKey] : [...options.hostKey];
  const keys = lines.map((line) => parsePublicKey(line, `host key for ${name}`));
  if (options.knownHostsFile) {
    const text = await fs.readFile(options.knownHostsFile, 'utf8').catch((error: unknown) => {
      throw new UsageError(`cannot read known_hosts file ${options.knownHostsFile} for ${name}: ${errorMessage(error)}`, { cause: error });
    });
    const found = findKnownHostKeys(text, options.address, port, options.knownHostsFile);
    if (found.length === 0) {
      throw new UsageError(`${options.knownHostsFile} has no key for ${knownHostsName(options.address, port)} (${name})`, {
        remedy: `Add the host's key line as "${knownHostsName(options.address, port)} ssh-ed25519 AAAA…" after checking its `
          + 'fingerprint on the host (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub).',
      });
    }
    keys.push(...found);
  }
  if (keys.length === 0) {
    throw new UsageError(`no pinned host key for ${name}: passbench never accepts an unknown host key`, {
      remedy: 'Give hostKey (the line from the host\'s /etc/ssh/ssh_host_ed25519_key.pub) or knownHostsFile.',
    });
  }
  return keys;
}

export async function readIdentity(file: string, name: string): Promise<Buffer> {
  const key = await fs.readFile(file).catch((error: unknown) => {
    throw new UsageError(`cannot read the SSH identity file ${file} for ${name}: ${errorMessage(error)}`, {
      cause: error, remedy: 'Point identityFile at an existing private key (e.g. one made by `ssh-keygen -t ed25519`).',
    });
  });
  await checkIdentityMode(file, name);
  if (key.includes('ENCRYPTED') || key.includes('Proc-Type: 4,ENCRYPTED')) {
    // OpenSSH-format keys hide encryption inside the base64; ssh2 reports those itself at connect.
    throw new UsageError(`the SSH identity file ${file} is encrypted`, { remedy: 'Use a key without a passphrase for unattended runs.' });
  }
  return key;
}

/**
 * OpenSSH's rule (sshkey_perm_ok): a private key of our own that group or others may read, write or
 * run is refused ("UNPROTECTED PRIVATE KEY FILE!"); a key anyone else can read is no longer private.
 */
async function checkIdentityMode(file: string, name: string): Promise<void> {
  const st = await fs.stat(file);
  const own = process.getuid === undefined || st.uid === process.getuid();
  if (!own || (st.mode & 0o077) === 0) return;
  const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
  throw new UsageError(`the SSH identity file ${file} for ${name} has permissions ${mode}: group or others can use it `
    + '(expected 0600 or stricter; OpenSSH refuses such a key as an UNPROTECTED PRIVATE KEY FILE)', {
    remedy: `Run \`chmod 600 ${file}\`; if others could read it, make a new key (\`ssh-keygen -t ed25519\`) and replace the old one in authorized_keys.`,
  });
}
