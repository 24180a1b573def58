import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { makeGuestKeys } from '../../../harness/guest/guest-keys.ts';
import type { Host } from '../../../harness/host/host.ts';
import { LocalHost } from '../../../harness/host/local-host.ts';
import { formatPublicKey, parsePublicKey } from '../../../harness/host/ssh-keys.ts';
import { tempDir } from '../../support/temp-dirs.ts';

describe('guest/guest-keys: fresh keys for one boot (dropbearkey on this machine)', () => {
  it('writes the host key, authorized_keys and net 0600 in a 0700 folder, in two rounds of commands', async () => {
    const work = await tempDir('pb-guest-keys-');
    const remoteDir = path.join(work, 'lab/run/passbench/guests/vf0');
    await fs.mkdir(remoteDir, { recursive: true, mode: 0o755 }); // left by an earlier boot, too open
    await fs.writeFile(path.join(remoteDir, 'host_key.dropbear'), 'an old key');
    const local = new LocalHost();
    // Each command is a round trip to the lab host before the guest can start: count the rounds.
    let running = 0;
    let rounds = 0;
    const qemuHost = Object.create(local) as Host;
    qemuHost.run = async (argv, options) => {
      if (running++ === 0) rounds += 1;
      try {
        return await local.run(argv, options);
      } finally {
        running -= 1;
      }
    };
    const keys = await makeGuestKeys(local, qemuHost, { name: 'vf0', localDir: path.join(work, 'controller'), remoteDir, net: ['eth0 10.0.3.31/24'] });

    assert.equal(rounds, 2);
    assert.equal((await fs.stat(remoteDir)).mode & 0o777, 0o700);
    assert.deepEqual(keys.fwCfg.map((f) => [f.name, path.basename(f.file)]).sort(), [
      ['authorized_keys', 'authorized_keys'], ['host_key', 'host_key.dropbear'], ['net', 'net'],
    ]);
    for (const { file } of keys.fwCfg) assert.equal((await fs.stat(file)).mode & 0o777, 0o600, file);
    assert.equal(await fs.readFile(path.join(remoteDir, 'net'), 'utf8'), 'eth0 10.0.3.31/24\n');
    const clientPublic = await fs.readFile(`${keys.identityFile}.pub`, 'utf8');
    assert.equal(await fs.readFile(path.join(remoteDir, 'authorized_keys'), 'utf8'), `${formatPublicKey(parsePublicKey(clientPublic, 'client'))}\n`);
    // The pinned key is the one dropbear will present: a fresh one, not the old file.
    const printed = await local.run(['dropbearkey', '-y', '-f', path.join(remoteDir, 'host_key.dropbear')]);
    const line = printed.stdout.split('\n').find((l) => l.startsWith('ssh-ed25519 '))!;
    assert.equal(keys.hostKey, formatPublicKey(parsePublicKey(line, 'dropbearkey -y')));
  });
});
