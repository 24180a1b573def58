import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../../../harness/errors.ts';
import { LocalHost } from '../../../harness/host/local-host.ts';
import {
  findKnownHostKeys, fingerprint, formatPublicKey, generateKeyPair, knownHostsName, parsePublicKey, readPublicKey,
} from '../../../harness/host/ssh-keys.ts';

describe('host/ssh-keys', () => {
  const local = new LocalHost();
  let dir: string;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-keys-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('generates a fresh ed25519 pair with a 0600 private key, and replaces an old one', async () => {
    const first = await generateKeyPair(local, `${dir}/keys`, 'id_test', 'passbench-test');
    assert.equal(first.publicKey.type, 'ssh-ed25519');
    assert.equal(first.publicKey.comment, 'passbench-test');
    assert.equal((await fs.stat(first.privateKeyPath)).mode & 0o777, 0o600);
    assert.match(await fs.readFile(first.privateKeyPath, 'utf8'), /BEGIN OPENSSH PRIVATE KEY/);
    const second = await generateKeyPair(local, `${dir}/keys`, 'id_test');
    assert.notEqual(fingerprint(second.publicKey), fingerprint(first.publicKey));
    await assert.rejects(generateKeyPair(local, dir, '../x'), UsageError);
  });

  it('computes the fingerprint ssh-keygen -l prints', async () => {
    const pair = await generateKeyPair(local, dir, 'id_fp');
    const printed = (await local.run(['ssh-keygen', '-l', '-E', 'sha256', '-f', pair.publicKeyPath])).stdout.split(/\s+/)[1];
    assert.equal(fingerprint(pair.publicKey), printed);
    assert.equal(formatPublicKey(await readPublicKey(local, pair.publicKeyPath)), (await fs.readFile(pair.publicKeyPath, 'utf8')).trim());
  });

  it('rejects what is not a public key line, naming why', () => {
    assert.throws(() => parsePublicKey('SHA256:abc'), /unknown key type/);
    assert.throws(() => parsePublicKey('ssh-ed25519 not*base64'), /not base64/);
    // An RSA blob labelled ed25519.
    assert.throws(() => parsePublicKey('ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAAAgQC'), /the key data says "ssh-rsa"/);
  });

  it('finds pinned keys in known_hosts, plain and hashed, by address and port', async () => {
    const a = (await generateKeyPair(local, dir, 'kh_a')).publicKey;
    const b = (await generateKeyPair(local, dir, 'kh_b')).publicKey;
    const file = path.join(dir, 'known_hosts');
    await fs.writeFile(file, `# comment\n10.0.0.5,lab1 ${formatPublicKey(a)}\n[10.0.0.5]:2222 ${formatPublicKey(b)}\n@revoked 10.0.0.5 ${formatPublicKey(b)}\n`);
    const text = await fs.readFile(file, 'utf8');
    assert.deepEqual(findKnownHostKeys(text, '10.0.0.5', 22).map(fingerprint), [fingerprint(a)]);
    assert.deepEqual(findKnownHostKeys(text, '10.0.0.5', 2222).map(fingerprint), [fingerprint(b)]);
    assert.deepEqual(findKnownHostKeys(text, '10.0.0.6', 22), []);
    await local.run(['ssh-keygen', '-H', '-f', file]);
    const hashed = await fs.readFile(file, 'utf8');
    assert.doesNotMatch(hashed, /^(10\.0\.0\.5|\[10\.0\.0\.5\])/m);
    assert.deepEqual(findKnownHostKeys(hashed, '10.0.0.5', 2222).map(fingerprint), [fingerprint(b)]);
    assert.equal(knownHostsName('h', 22), 'h');
    assert.equal(knownHostsName('h', 2222), '[h]:2222');
  });
});
