import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { HostFileError } from '../../../harness/errors.ts';
import type { Host } from '../../../harness/host/host.ts';
import { LocalHost } from '../../../harness/host/local-host.ts';
import { CommandFiles, REPLACE_FILE_SCRIPT } from '../../../harness/host/command-files.ts';
import { SshHost } from '../../../harness/host/ssh-host.ts';
import { formatPublicKey } from '../../../harness/host/ssh-keys.ts';
import { startSshd, type Sshd } from '../../support/sshd.ts';
import { tempDir } from '../../support/temp-dirs.ts';

/** Host.replaceFile, the same on both real hosts: what the journal relies on. */
function replaceFileContract(name: string, setUp: () => Promise<{ host: Host; dir: string; local: (p: string) => string }>) {
  describe(`${name}.replaceFile`, () => {
    let host: Host;
    let dir: string;
    let local: (p: string) => string;
    before(async () => ({ host, dir, local } = await setUp()));

    it('replaces the content whole, with the mode asked for (not the umask\'s), and leaves no temp file', async () => {
      const file = `${dir}/a journal $(touch pwned).json`;
      await host.replaceFile(file, 'old\n', { mode: 0o600 });
      await host.replaceFile(file, '{"new": true}\n', { mode: 0o640 });
      assert.equal(await fs.readFile(local(file), 'utf8'), '{"new": true}\n');
      assert.equal((await fs.stat(local(file))).mode & 0o777, 0o640);
      assert.deepEqual(await fs.readdir(local(dir)), ['a journal $(touch pwned).json'], 'no temp file left, the name kept whole');
    });

    it('a replace that cannot rename leaves the old file and no temp file, and names the file', async () => {
      const file = `${dir}/taken`;
      await fs.mkdir(local(`${file}/inside`), { recursive: true }); // a folder with content: rename(2) over it fails
      await assert.rejects(host.replaceFile(file, 'new', { mode: 0o600 }), (e: unknown) => e instanceof HostFileError && e.message.includes(file));
      assert.deepEqual(await fs.readdir(local(file)), ['inside']);
      assert.deepEqual((await fs.readdir(local(dir))).filter((n) => n.endsWith('.tmp')), []);
    });

    it('into a folder that does not exist: an error naming the file, nothing created', async () => {
      const file = `${dir}/missing/journal.json`;
      await assert.rejects(host.replaceFile(file, 'x', { mode: 0o600 }), (e: unknown) => e instanceof HostFileError && e.message.includes(file));
      await assert.rejects(fs.stat(local(`${dir}/missing`)), { code: 'ENOENT' });
    });
  });
}

replaceFileContract('LocalHost', async () => {
  const root = await tempDir('pb-replace-');
  const host = new LocalHost({ root });
  await host.mkdir('/var/lib/passbench');
  return { host, dir: '/var/lib/passbench', local: (p) => path.join(root, p) };
});

describe('SshHost.replaceFile (against a real sshd on 127.0.0.1)', function () {
  this.timeout(30_000);
  let sshd: Sshd;
  let host: SshHost;
  before(async () => {
    sshd = await startSshd();
    host = await SshHost.connect({
      address: sshd.address, port: sshd.port, user: sshd.user,
      identityFile: sshd.clientKey.privateKeyPath, hostKey: formatPublicKey(sshd.hostKey.publicKey),
    });
    await host.mkdir(`${sshd.dir}/replace/contract`);
  });
  after(async () => {
    await host?.close();
    await sshd?.stop();
  });

  replaceFileContract('SshHost', async () => ({ host, dir: `${sshd.dir}/replace/contract`, local: (p) => p }));

  it('is one command: content fsynced before the rename, the folder fsynced after it', async () => {
    const commands: (readonly string[])[] = [];
    // SshHost.replaceFile is CommandFiles.replaceFile over the host's run: record what it runs.
    const files = new CommandFiles(host.name, (argv, options) => {
      commands.push(argv);
      return host.run(argv, options);
    });
    const file = `${sshd.dir}/replace/one.json`;
    await files.replaceFile(file, '{}\n', 0o600);
    assert.equal(commands.length, 1);
    const [shell, flag, script, , tmp, target, folder, mode] = commands[0]!;
    assert.deepEqual([shell, flag, script, target, folder, mode], ['sh', '-c', REPLACE_FILE_SCRIPT, file, `${sshd.dir}/replace`, '600']);
    assert.match(tmp!, new RegExp(`^${file.replace(/\./g, '\\.')}\\.${process.pid}-[0-9a-f]{8}\\.tmp$`), 'a temp name of its own, beside the file');
    const at = (part: string) => REPLACE_FILE_SCRIPT.indexOf(part);
    assert.ok(at('sync -- "$1"') > at('cat >"$1"') && at('mv -fT "$1" "$2"') > at('sync -- "$1"') && at('sync -- "$3"') > at('mv -fT'), REPLACE_FILE_SCRIPT);
  });
});
