import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { labHost, loadLabConfig, parseLabConfig } from '../../../harness/config/lab-config.ts';
import { UsageError } from '../../../harness/errors.ts';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl lab1';

function rejects(yaml: string, ...expected: RegExp[]): void {
  assert.throws(() => parseLabConfig(yaml, 'lab.yaml', '/etc/passbench'), (e: unknown) => {
    assert.ok(e instanceof UsageError, String(e));
    for (const pattern of expected) assert.match(e.message, pattern);
    return true;
  });
}

describe('config/lab-config', () => {
  it('fills defaults and resolves paths against the config folder', () => {
    const config = parseLabConfig(`hosts:\n  lab1:\n    address: 10.0.0.5\n    identityFile: keys/id\n    hostKey: ${KEY}\n`, 'lab.yaml', '/etc/passbench');
    assert.deepEqual(labHost(config, 'lab1'), {
      address: '10.0.0.5', port: 22, user: 'root', identityFile: '/etc/passbench/keys/id', hostKey: KEY, knownHostsFile: undefined, role: 'test',
    });
    const home = parseLabConfig('hosts:\n  g-1:\n    address: fe80::1\n    port: 2222\n    user: lab\n    identityFile: ~/.ssh/id\n'
      + '    knownHostsFile: ./known_hosts\n    journalDir: /var/lib/passbench\n', 'lab.yaml', '/etc/passbench');
    assert.equal(home.hosts['g-1']?.identityFile, path.join(os.homedir(), '.ssh/id'));
    assert.equal(home.hosts['g-1']?.knownHostsFile, '/etc/passbench/known_hosts');
    assert.equal(home.hosts['g-1']?.journalDir, '/var/lib/passbench');
  });

  it('names each bad field and what is allowed', () => {
    rejects('hosts:\n  lab1:\n    address: "10.0.0.5; reboot"\n    port: "22"\n    identity_file: k\n',
      /hosts\.lab1\.address: expected a host name, an IPv4 or an IPv6 address .*got "10\.0\.0\.5; reboot"/,
      /hosts\.lab1\.port: expected a port number 1-65535, got "22"/,
      /hosts\.lab1\.identityFile: missing/,
      /hosts\.lab1: unknown field "identity_file" \(allowed: address, port, user, identityFile, hostKey, knownHostsFile, journalDir, role\)/);
    rejects(`hosts:\n  gen:\n    address: a\n    identityFile: k\n    hostKey: ${KEY}\n    role: generator\n`, /hosts\.gen\.role: expected test \(a host under test\) or peer \(a traffic peer only\), got "generator"/);
    rejects(`hosts:\n  lab1:\n    address: a\n    port: 70000\n    identityFile: k\n    hostKey: ${KEY}\n`, /hosts\.lab1\.port: expected a port number 1-65535/);
    rejects(`hosts:\n  lab1:\n    address: a\n    user: "root -oProxyCommand=x"\n    identityFile: k\n    hostKey: ${KEY}\n`, /hosts\.lab1\.user: expected a Unix user name/);
    rejects(`hosts:\n  lab1:\n    address: a\n    identityFile: k\n    hostKey: ${KEY}\n    journalDir: var/x\n`, /hosts\.lab1\.journalDir: expected an absolute folder path .*got "var\/x": it is not absolute/);
  });

  it('refuses a journal folder that climbs out with "..", and port 0, naming the value', () => {
    const host = (extra: string) => `hosts:\n  lab1:\n    address: a\n    identityFile: k\n    hostKey: ${KEY}\n${extra}`;
    rejects(host('    journalDir: /var/lib/../../tmp\n'), /hosts\.lab1\.journalDir: .*got "\/var\/lib\/\.\.\/\.\.\/tmp": it has a "\.\." part/);
    rejects(host('    journalDir: /var/lib/./passbench\n'), /got "\/var\/lib\/\.\/passbench": it has a "\." or empty part/);
    rejects(host('    port: 0\n'), /hosts\.lab1\.port: expected a port number 1-65535, got 0/);
    rejects(host('    port: 22.5\n'), /hosts\.lab1\.port: expected a port number 1-65535, got 22\.5/);
    // A folder may be written with its trailing slash; the journal goes inside it.
    assert.equal(parseLabConfig(host('    journalDir: /var/lib/pb/\n'), 'lab.yaml').hosts.lab1?.journalDir, '/var/lib/pb');
  });

  it('insists on a pinned host key, from exactly one place, that parses', () => {
    rejects('hosts:\n  lab1:\n    address: a\n    identityFile: k\n', /hosts\.lab1\.hostKey: give hostKey .* or knownHostsFile; the host key is always pinned/);
    rejects(`hosts:\n  lab1:\n    address: a\n    identityFile: k\n    hostKey: ${KEY}\n    knownHostsFile: kh\n`, /not both/);
    rejects('hosts:\n  lab1:\n    address: a\n    identityFile: k\n    hostKey: ssh-ed25519 AAAA\n', /hosts\.lab1\.hostKey: .*not an OpenSSH public key line/);
    rejects('hosts:\n  lab1:\n    address: a\n    identityFile: k\n    hostKey: SHA256:abc\n', /hosts\.lab1\.hostKey: .*unknown key type/);
  });

  for (const name of ['Lab1', '-lab', 'lab_1', 'a'.repeat(64), 'lab.1']) {
    it(`rejects the host name ${JSON.stringify(name)}`, () => {
      rejects(`hosts:\n  "${name}":\n    address: a\n    identityFile: k\n    hostKey: ${KEY}\n`, /host name .* is not valid: use lower-case letters, digits and "-"/);
    });
  }

  it('says what is wrong with the file as a whole', () => {
    rejects('hosts: [a, b]\n', /hosts: expected a map of host names to hosts/);
    rejects('{}\n', /hosts: /);
    rejects('hosts:\n  lab1: {\n', /not valid YAML/);
  });

  it('names the hosts there are when asked for another', () => {
    const config = parseLabConfig(`hosts:\n  lab1:\n    address: a\n    identityFile: k\n    hostKey: ${KEY}\n`, 'lab.yaml');
    assert.throws(() => labHost(config, 'lab2'), (e: unknown) => e instanceof UsageError && /no host "lab2"/.test(e.message) && /lab1/.test(e.remedy ?? ''));
    assert.throws(() => labHost(config, '../x'), /not valid/);
  });

  it('loads from a file and names a missing one', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-lab-'));
    try {
      await fs.writeFile(path.join(dir, 'lab.yaml'), `hosts:\n  lab1:\n    address: a\n    identityFile: id\n    hostKey: ${KEY}\n`);
      const config = await loadLabConfig(path.join(dir, 'lab.yaml'));
      assert.equal(config.hosts.lab1?.identityFile, path.join(dir, 'id'));
      await assert.rejects(loadLabConfig(path.join(dir, 'missing.yaml')), (e: unknown) => e instanceof UsageError && /cannot read lab config/.test(e.message));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
