import { runCli } from '../../support/capture-cli.ts';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { addHostOptions, openHost, parseSshUrl } from '../../../harness/cli/host-option.ts';
import { UsageError } from '../../../harness/errors.ts';
import { LocalHost } from '../../../harness/host/local-host.ts';
import { SshHost } from '../../../harness/host/ssh-host.ts';
import { formatPublicKey } from '../../../harness/host/ssh-keys.ts';
import { startSshd, type Sshd } from '../../support/sshd.ts';

describe('cli/host-option (--host, --lab)', function () {
  this.timeout(30_000);
  let sshd: Sshd;
  let lab: string;
  let home: string;

  before(async () => {
    sshd = await startSshd();
    lab = path.join(sshd.dir, 'lab.yaml');
    await fs.writeFile(lab, [
      'hosts:',
      '  lab1:',
      `    address: ${sshd.address}`,
      `    port: ${sshd.port}`,
      `    user: ${sshd.user}`,
      `    identityFile: ${sshd.clientKey.privateKeyPath}`,
      `    hostKey: ${formatPublicKey(sshd.hostKey.publicKey)}`,
      '',
    ].join('\n'));
    home = path.join(sshd.dir, 'home');
    await fs.mkdir(path.join(home, '.ssh'), { recursive: true });
  });

  after(async () => {
    await sshd?.stop();
  });

  async function echo(host: Awaited<ReturnType<typeof openHost>>): Promise<string> {
    try {
      return (await host.run(['echo', 'hi'])).stdout;
    } finally {
      await host.close();
    }
  }

  it('registers --host, --lab and --identity', () => {
    const command = addHostOptions(new Command()).parse(['--host', 'lab1', '--lab', 'x.yaml'], { from: 'user' });
    assert.deepEqual(command.opts(), { host: 'lab1', lab: 'x.yaml' });
  });

  it('opens this machine without --host', async () => {
    assert.ok((await openHost({})) instanceof LocalHost);
  });

  it('opens a lab host by name from --lab', async () => {
    const host = await openHost({ host: 'lab1', lab });
    assert.ok(host instanceof SshHost);
    assert.equal(await echo(host), 'hi\n');
  });

  it('opens ssh://user@address:port with the key pinned by the lab config', async () => {
    assert.equal(await echo(await openHost({ host: `ssh://${sshd.user}@127.0.0.1:${sshd.port}`, lab }, { home })), 'hi\n');
  });

  it('opens ssh://… with the key pinned by ~/.ssh/known_hosts (hashed entries too)', async () => {
    const knownHosts = path.join(home, '.ssh', 'known_hosts');
    await fs.writeFile(knownHosts, `[127.0.0.1]:${sshd.port} ${formatPublicKey(sshd.hostKey.publicKey)}\n`);
    await new LocalHost().run(['ssh-keygen', '-H', '-f', knownHosts]);
    assert.doesNotMatch(await fs.readFile(knownHosts, 'utf8'), /127\.0\.0\.1/);
    const host = await openHost({ host: `ssh://${sshd.user}@127.0.0.1:${sshd.port}`, identity: sshd.clientKey.privateKeyPath }, { home });
    assert.equal(await echo(host), 'hi\n');
    await fs.rm(knownHosts);
    await fs.rm(`${knownHosts}.old`, { force: true });
  });

  it('refuses ssh://… with no pinned key and says how to pin it', async () => {
    await assert.rejects(openHost({ host: `ssh://root@127.0.0.1:${sshd.port}`, identity: sshd.clientKey.privateKeyPath }, { home }), (e: unknown) =>
      e instanceof UsageError && /no pinned host key/.test(e.message) && /ssh-keyscan/.test(e.remedy ?? '') && /hostKey/.test(e.remedy ?? ''));
  });

  it('explains a name without --lab, and an unknown name', async () => {
    await assert.rejects(openHost({ host: 'lab1' }), (e: unknown) => e instanceof UsageError && /no --lab FILE/.test(e.message));
    await assert.rejects(openHost({ host: 'lab9', lab }), (e: unknown) => e instanceof UsageError && /no host "lab9"/.test(e.message) && /lab1/.test(e.remedy ?? ''));
    await assert.rejects(openHost({ host: 'Lab 1;x' }), /neither a host name nor an ssh:\/\/ URL/);
  });

  it('parses ssh:// URLs strictly', () => {
    assert.deepEqual(parseSshUrl('ssh://lab@10.0.0.5:2222'), { address: '10.0.0.5', port: 2222, user: 'lab' });
    assert.deepEqual(parseSshUrl('ssh://10.0.0.5'), { address: '10.0.0.5', port: 22, user: 'root' });
    assert.deepEqual(parseSshUrl('ssh://root@[fe80::1]:22'), { address: 'fe80::1', port: 22, user: 'root' });
    for (const bad of ['ssh://root:pw@h', 'ssh://h/path', 'ssh://h:99999', 'ssh://-oProxyCommand=x@h', 'ssh://h?x=1']) {
      assert.throws(() => parseSshUrl(bad), UsageError, bad);
    }
    assert.throws(() => parseSshUrl('ssh://root@10.0.0.5:0'), (e: unknown) => e instanceof UsageError && /port 0: expected 1-65535/.test(e.message));
  });
});

describe('cli/host-option: an empty or blank --host', () => {

  // Every command that opens a host through addHostOptions; before the fix each of these worked on
  // this machine (doctor, devices) or would have changed its devices (bind, sriov, restore).
  const commands = [['doctor'], ['devices'], ['bind', '0000:00:1f.3'], ['sriov', '0000:00:02.0', '--vfs', '1'], ['restore']];
  for (const value of ['', ' ', '\t']) {
    for (const command of commands) {
      it(`${command[0]} --host ${JSON.stringify(value)}: usage error (exit 2) naming the value, before any host is opened`, async () => {
        const { code, stderr } = await runCli(...command, '--host', value);
        assert.equal(code, 2, stderr);
        assert.ok(stderr.includes(`--host ${JSON.stringify(value)} is empty`), stderr);
        assert.match(stderr, /leave --host out to work on this machine/);
        assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
      });
    }
  }

  it('openHost refuses a blank host too (library callers), and only a missing one is this machine', async () => {
    await assert.rejects(openHost({ host: '' }), (e: unknown) => e instanceof UsageError && /--host "" is empty/.test(e.message) && /--host/.test(e.remedy ?? ''));
    await assert.rejects(openHost({ host: '  ' }), UsageError);
    assert.ok((await openHost({ host: undefined })) instanceof LocalHost);
  });
});
