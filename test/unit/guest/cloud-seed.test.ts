import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parse as parseYaml } from 'yaml';
import { LocalHost } from '../../../harness/host/local-host.ts';
import { cloudSeedFiles, writeCloudSeed, type CloudSeedInput } from '../../../harness/guest/cloud-seed.ts';

/** As cloud-init reads them: PyYAML is YAML 1.1, where 52:54:00:03:00:29 unquoted is a base-60 number. */
const parse = (text: string) => parseYaml(text, { version: '1.1' }) as Record<string, unknown> & { ethernets?: unknown };

const input: CloudSeedInput = {
  instanceId: 'passbench-vf0-abc', hostname: 'vf0',
  authorizedKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl passbench-vf0',
  hostKey: { privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----\n', publicKey: 'ssh-ed25519 AAAAhost passbench-vf0-host' },
  interfaces: [{ name: 'eth0', address: '10.0.3.31/24' }],
};

describe('guest/cloud-seed: a NoCloud seed per guest boot (issue 14)', () => {
  it('authorizes the client key for root and gives exactly the host key to pin, nothing generated beside it', () => {
    const files = cloudSeedFiles(input);
    assert.match(files['user-data'], /^#cloud-config\n/, 'cloud-init reads user-data as cloud-config only with this first line');
    const user = parse(files['user-data']) as Record<string, unknown>;
    assert.deepEqual(user, {
      disable_root: false, ssh_pwauth: false, ssh_authorized_keys: [input.authorizedKey],
      ssh_deletekeys: true,
      ssh_keys: { ed25519_private: input.hostKey.privateKey, ed25519_public: input.hostKey.publicKey },
    });
    assert.deepEqual(parse(files['meta-data']), { 'instance-id': 'passbench-vf0-abc', 'local-hostname': 'vf0' });
  });

  it('sets each test address: by name, or by MAC (renamed) for an emulated NIC, with a gateway on user-net', () => {
    assert.deepEqual(parse(cloudSeedFiles(input)['network-config']), { version: 2, ethernets: { eth0: { addresses: ['10.0.3.31/24'] } } });
    const bridged = cloudSeedFiles({ ...input, interfaces: [{ name: 'eth0', mac: '52:54:00:03:00:29', address: '10.0.3.41/24' }] });
    assert.deepEqual(parse(bridged['network-config']).ethernets, { eth0: { match: { macaddress: '52:54:00:03:00:29' }, 'set-name': 'eth0', addresses: ['10.0.3.41/24'] } });
    const userNet = cloudSeedFiles({ ...input, interfaces: [{ name: 'eth0', address: '10.0.2.15/24', gateway: '10.0.2.2' }] });
    assert.deepEqual(parse(userNet['network-config']).ethernets, { eth0: { addresses: ['10.0.2.15/24'], gateway4: '10.0.2.2' } });
  });

  it('writes an ISO labelled cidata holding the three files to the QEMU host, 0600, and leaves nothing on the controller', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-seed-'));
    try {
      const local = path.join(dir, 'controller');
      await fs.mkdir(local, { mode: 0o700 });
      const seed = path.join(dir, 'host-seed.iso');
      await writeCloudSeed(new LocalHost(), new LocalHost(), cloudSeedFiles(input), { localDir: local, remoteFile: seed });
      assert.equal((await fs.stat(seed)).mode & 0o777, 0o600);
      assert.deepEqual(await fs.readdir(local), [], 'the seed (with the host key\'s private half) left on the controller');
      const volume = await execa('xorriso', ['-indev', seed, '-pvd_info'], { reject: false, all: true });
      assert.match(volume.all, /Volume Id\s*:\s*cidata/);
      const listing = await execa('xorriso', ['-indev', seed, '-ls', '/'], { reject: false, all: true });
      for (const name of ['meta-data', 'user-data', 'network-config']) assert.match(listing.all, new RegExp(`'${name}'`));
      const extracted = path.join(dir, 'user-data');
      await execa('xorriso', ['-osirrox', 'on', '-indev', seed, '-extract', '/user-data', extracted]);
      assert.equal(await fs.readFile(extracted, 'utf8'), cloudSeedFiles(input)['user-data']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
