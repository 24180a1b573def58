import assert from 'node:assert/strict';
import { CommandError, HostFileError } from '../../../harness/errors.ts';
import { SshHost } from '../../../harness/host/ssh-host.ts';
import { HostKeyMismatchError, SshConnectError, errnoFromMessage } from '../../../harness/host/ssh-errors.ts';
import { fingerprint, formatPublicKey, generateKeyPair } from '../../../harness/host/ssh-keys.ts';
import { LocalHost } from '../../../harness/host/local-host.ts';
import { startSshd, type Sshd } from '../../support/sshd.ts';

describe('host/ssh-host (against a real sshd on 127.0.0.1)', function () {
  this.timeout(30_000);
  let sshd: Sshd;
  let host: SshHost;
  let work: string;

  const connect = (extra: Partial<Parameters<typeof SshHost.connect>[0]> = {}) =>
    SshHost.connect({
      address: sshd.address, port: sshd.port, user: sshd.user,
      identityFile: sshd.clientKey.privateKeyPath, hostKey: formatPublicKey(sshd.hostKey.publicKey), ...extra,
    });

  before(async () => {
    sshd = await startSshd();
    host = await connect();
    work = `${sshd.dir}/work`;
    await host.mkdir(work);
  });

  after(async () => {
    await host?.close();
    await sshd?.stop();
  });

  it('names itself ssh://user@address:port', () => {
    assert.equal(host.name, `ssh://${sshd.user}@127.0.0.1:${sshd.port}`);
  });

  it('passes tricky arguments through the remote shell unchanged', async () => {
    const args = ['a b', "it's", '"dq"', '$(touch /tmp/passbench-pwned)', '`id`', 'x;y', '&&', '|', '*', '~', '$HOME', '\\n', '', 'tab\there', 'line\nbreak'];
    const result = await host.run(['printf', '%s\\0', ...args]);
    assert.deepEqual(result.stdout.split('\0').slice(0, -1), args);
    assert.equal(await host.exists('/tmp/passbench-pwned'), false);
  });

  it('returns stdout, stderr and feeds input', async () => {
    const result = await host.run(['sh', '-c', 'cat; echo err >&2', 'sh'], { input: 'from stdin\n' });
    assert.equal(result.stdout, 'from stdin\n');
    assert.equal(result.stderr, 'err\n');
    assert.equal(result.exitCode, 0);
  });

  it('throws CommandError with the exit code and stderr on failure, or returns it with allowFailure', async () => {
    await assert.rejects(host.run(['sh', '-c', 'echo broken >&2; exit 3']), (e: unknown) =>
      e instanceof CommandError && e.exitCode === 3 && e.stderr === 'broken\n' && e.message.includes('exited with code 3') && e.message.includes(host.name));
    const result = await host.run(['sh', '-c', 'exit 7'], { allowFailure: true });
    assert.equal(result.exitCode, 7);
  });

  it('reports a missing command as exit 127', async () => {
    await assert.rejects(host.run(['passbench-no-such-command']), (e: unknown) => e instanceof CommandError && e.exitCode === 127);
  });

  it('honors timeoutMs and kills the remote command', async () => {
    await assert.rejects(host.run(['sleep', '3011'], { timeoutMs: 500 }), (e: unknown) =>
      e instanceof CommandError && /timed out after 500 ms/.test(e.message));
    const left = await host.run(['pgrep', '-f', '^sleep 3011$'], { allowFailure: true });
    assert.equal(left.exitCode, 1, `still running: ${left.stdout}`);
  });

  it('queues commands beyond the sessions sshd allows on one connection', async () => {
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => host.run(['echo', String(i)])));
    assert.deepEqual(results.map((r) => r.stdout), Array.from({ length: 24 }, (_, i) => `${i}\n`));
  });

  it('says so when a command times out waiting for a session, and never starts it', async () => {
    const other = await connect();
    try {
      const holders = await Promise.all(Array.from({ length: 8 }, () => other.spawn(['sleep', '3031'])));
      await assert.rejects(other.run(['touch', `${work}/late`], { timeoutMs: 300 }), /waiting for a free SSH session.*never started/s);
      await Promise.all(holders.map((p) => p.kill()));
      await Promise.all(holders.map((p) => p.exited));
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(await host.exists(`${work}/late`), false);
      assert.equal((await host.run(['pgrep', '-f', '^sleep 3031$'], { allowFailure: true })).exitCode, 1);
    } finally {
      await other.close();
    }
  });

  it('writes, reads, stats, lists, renames and removes files', async () => {
    const file = `${work}/a.txt`;
    await host.writeFile(file, 'hello\n', { mode: 0o640 });
    assert.equal(await host.readFile(file), 'hello\n');
    const st = await host.stat(file);
    assert.deepEqual({ ...st, mode: (st!.mode & 0o777).toString(8) }, { isFile: true, isDirectory: false, isSymbolicLink: false, mode: '640' });
    await host.writeFile(file, 'again', { mode: 0o600 });
    assert.equal(await host.readFile(file), 'again');
    assert.equal(((await host.stat(file))!.mode & 0o777).toString(8), '600');

    await host.mkdir(`${work}/d1/d2/d3`);
    assert.equal((await host.stat(`${work}/d1/d2/d3`))?.isDirectory, true);
    // Again: no error, and one look at the folder itself, not one per level (each is a round trip).
    const looked: string[] = [];
    const stat = host.stat.bind(host);
    host.stat = async (p) => { looked.push(p); return stat(p); };
    try {
      await host.mkdir(`${work}/d1/d2/d3`);
    } finally {
      host.stat = stat;
    }
    assert.deepEqual(looked, [`${work}/d1/d2/d3`]);
    await host.writeFile(`${work}/d1/z`, '');
    await host.writeFile(`${work}/d1/b`, '');
    assert.deepEqual(await host.readDir(`${work}/d1`), ['b', 'd2', 'z']);

    await host.writeFile(`${work}/new`, 'new');
    await host.rename(`${work}/new`, file); // replaces the target, like a journal update
    assert.equal(await host.readFile(file), 'new');
    assert.equal(await host.exists(`${work}/new`), false);

    await host.remove(`${work}/d1`);
    assert.equal(await host.exists(`${work}/d1`), false);
    await host.remove(`${work}/d1`); // already gone: no error
    assert.equal(await host.stat(`${work}/nothing`), undefined);
  });

  it('reads links without following them, and resolves real paths', async () => {
    await host.run(['ln', '-sfn', 'a.txt', `${work}/link`]);
    assert.equal(await host.readLink(`${work}/link`), 'a.txt');
    assert.equal((await host.stat(`${work}/link`))?.isSymbolicLink, true);
    assert.equal(await host.realPath(`${work}/link`), await host.realPath(`${work}/a.txt`));
    assert.match(await host.realPath(`${work}/link`), /\/work\/a\.txt$/);
  });

  it('reads files whose size is not their length (procfs, like sysfs)', async () => {
    assert.match(await host.readFile('/proc/self/status'), /^Name:/);
  });

  it('turns a failed file operation into HostFileError with a code', async () => {
    await assert.rejects(host.readFile(`${work}/missing`), (e: unknown) => e instanceof HostFileError && e.code === 'ENOENT' && e.message.includes('missing'));
    // A kernel-handled file keeps the errno of the rejected write (as a refused sysfs write would).
    await assert.rejects(host.writeFile('/dev/full', '1\n'), (e: unknown) =>
      e instanceof HostFileError && e.code === 'ENOSPC' && e.operation === 'write' && e.path === '/dev/full');
    assert.equal(errnoFromMessage("dd: error writing '/sys/bus/pci/drivers_probe': No such device"), 'ENODEV');
    assert.equal(errnoFromMessage("dd: error writing '/sys/x/sriov_numvfs': Device or resource busy"), 'EBUSY');
  });

  it('gives every SFTP request a deadline: one the server never answers fails naming host, path and operation', async () => {
    // The server's SFTP process blocks opening a FIFO nobody writes to: a request that is never answered.
    const fifo = `${work}/never-written`;
    await host.run(['mkfifo', fifo]);
    const slow = await connect({ sftpDeadlineMs: 3_000 });
    try {
      await slow.writeFile(`${work}/quick.txt`, 'quick');
      assert.equal(await slow.readFile(`${work}/quick.txt`), 'quick');
      await assert.rejects(slow.readFile(fifo), (e: unknown) => {
        assert.ok(e instanceof HostFileError, String(e));
        assert.equal(e.code, 'ETIMEDOUT');
        assert.match(e.message, new RegExp(`^on ${slow.name}: read ${fifo}: SFTP read: no result after 3000 ms \\(deadline 3 s\\)$`));
        assert.match(e.remedy ?? '', /answered no SFTP request in time/);
        return true;
      });
    } finally {
      // A writer lets the blocked open finish, so the server's SFTP process can end.
      await host.run(['sh', '-c', `echo x > ${fifo}`], { timeoutMs: 5_000, allowFailure: true }).catch(() => undefined);
      await slow.close();
    }
  });

  it('fails an SFTP request pending when the connection goes at once, naming the lost connection (not at its deadline)', async () => {
    const fifo = `${work}/never-written-2`;
    await host.run(['mkfifo', fifo]);
    const doomed = await connect({ sftpDeadlineMs: 60_000 });
    try {
      await doomed.writeFile(`${work}/before.txt`, 'up'); // the SFTP session is open
      const pending = doomed.readFile(fifo);
      const started = Date.now();
      // The transport goes as when the far end dies (the lab's QEMU killed): not by close().
      (doomed as unknown as { client: { _sock: { destroy(): void } } }).client._sock.destroy();
      await assert.rejects(pending, (e: unknown) => {
        assert.ok(e instanceof HostFileError, String(e));
        assert.match(String((e.cause as Error | undefined)?.message), /SSH connection to .* was lost at/);
        return true;
      });
      assert.ok(Date.now() - started < 5_000, `failed after ${Date.now() - started} ms`);
    } finally {
      await host.run(['sh', '-c', `echo x > ${fifo}`], { timeoutMs: 5_000, allowFailure: true }).catch(() => undefined);
      await doomed.close();
    }
  });

  it('spawns a process, streams its lines, and kill() leaves nothing running', async () => {
    const lines: string[] = [];
    const proc = await host.spawn(['sh', '-c', 'echo started; echo warn >&2; exec sleep 3017'], { onLine: (line, stream) => lines.push(`${stream}:${line}`) });
    await waitFor(() => lines.length >= 2);
    assert.deepEqual(lines.sort(), ['stderr:warn', 'stdout:started']);
    assert.equal((await host.run(['pgrep', '-f', '^sleep 3017$'], { allowFailure: true })).exitCode, 0);
    await proc.kill();
    assert.deepEqual(await proc.exited, { exitCode: null, signal: 'SIGTERM' });
    assert.equal((await host.run(['pgrep', '-f', '^sleep 3017$'], { allowFailure: true })).exitCode, 1);
  });

  it('reports the exit code of a spawned process that ends by itself', async () => {
    const proc = await host.spawn(['sh', '-c', 'exit 4']);
    assert.deepEqual(await proc.exited, { exitCode: 4, signal: null });
  });

  it('close() stops processes it spawned', async () => {
    const other = await connect();
    const proc = await other.spawn(['sleep', '3023']);
    await other.close();
    await proc.exited;
    assert.equal((await host.run(['pgrep', '-f', '^sleep 3023$'], { allowFailure: true })).exitCode, 1);
    await assert.rejects(other.run(['true']), CommandError);
  });

  it('refuses a host key other than the pinned one, before running anything', async () => {
    const wrong = await generateKeyPair(new LocalHost(), `${sshd.dir}/wrong`, 'other_host_key');
    const accepted = () => sshd.logs.filter((l) => /Accepted publickey/.test(l)).length;
    const sessionsBefore = accepted();
    await assert.rejects(connect({ hostKey: formatPublicKey(wrong.publicKey) }), (e: unknown) =>
      e instanceof HostKeyMismatchError
      && e.message.includes(host.name)
      && e.message.includes(fingerprint(wrong.publicKey))
      && e.message.includes(fingerprint(sshd.hostKey.publicKey)));
    assert.equal(accepted(), sessionsBefore, 'no login happened');
  });

  it('pins from a known_hosts file, and refuses to connect without any pin', async () => {
    const knownHosts = `${sshd.dir}/known_hosts`;
    await host.writeFile(knownHosts, `other.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n[127.0.0.1]:${sshd.port} ${formatPublicKey(sshd.hostKey.publicKey)}\n`);
    const viaFile = await connect({ hostKey: undefined, knownHostsFile: knownHosts });
    assert.equal((await viaFile.run(['echo', 'ok'])).stdout, 'ok\n');
    await viaFile.close();
    await assert.rejects(connect({ hostKey: undefined }), /no pinned host key/);
  });

  it('names the address and a remedy when nothing listens', async () => {
    await assert.rejects(connect({ port: 1 }), (e: unknown) =>
      e instanceof SshConnectError && e.message.includes('127.0.0.1:1') && /Nothing listens on 127\.0\.0\.1:1/.test(e.remedy ?? ''));
  });

  it('names a passphrase-protected identity with a remedy', async () => {
    const file = `${sshd.dir}/locked/id_locked`;
    await new LocalHost().mkdir(`${sshd.dir}/locked`);
    await new LocalHost().run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', 'secret', '-f', file]);
    await assert.rejects(connect({ identityFile: file }), (e: unknown) => /passphrase/i.test((e as { remedy?: string }).remedy ?? ''));
  });

  it('says when the host offers no key of the pinned type', async () => {
    const rsa = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDGxq2Wk0RFfHJ1aW5zbYsS2N8sVp5rK+9kqGgVBXzD6EJp2iY3uDRqX1v3W1tPf6sQ2PGMbC8hEv2n3c4mFqYb7n3rKQxLJHhH0LZ2Z8ZpSpWEXQZ3m1n+tv1gkd5nZ2bO3d1D2a8b6K5nJjV0n0D1r0kB9p2mWv3h1pZ0D6a6pQ==';
    await assert.rejects(connect({ hostKey: rsa }), (e: unknown) =>
      e instanceof SshConnectError && /no key of the pinned type/.test(e.remedy ?? ''));
  });

  it('names a rejected key with a remedy', async () => {
    const stranger = await generateKeyPair(new LocalHost(), `${sshd.dir}/stranger`);
    await assert.rejects(connect({ identityFile: stranger.privateKeyPath }), (e: unknown) =>
      e instanceof SshConnectError && /authorized_keys/.test(e.remedy ?? ''));
  });

  it('connects through a jump host with forwardOut', async () => {
    const inner = await connect({ via: host });
    try {
      assert.equal((await inner.run(['echo', 'inside'])).stdout, 'inside\n');
      // Its own file, written by the outer connection: this test runs alone too (mocha -g).
      await host.writeFile(`${work}/via-jump.txt`, 'seen from inside');
      assert.equal(await inner.readFile(`${work}/via-jump.txt`), 'seen from inside');
    } finally {
      await inner.close();
    }
    await assert.rejects(connect({ via: host, port: 1 }), (e: unknown) => e instanceof SshConnectError && e.message.includes(`via ${host.name}`) && e.message.includes('could not open a tunnel'));
  });

  it('through a jump host: a command ends at once when the far side drops the connection', async () => {
    // What a guest's sshd losing our session looks like: the jump host's tunnel reports EOF and
    // waits for ours before closing; a client that never answers it waited out every deadline.
    const inner = await connect({ via: host });
    try {
      // The inner connection's own sshd process (the parent of its login shell) and its monitor.
      const sessionPid = (await inner.run(['sh', '-c', 'echo $PPID'])).stdout.trim();
      const started = Date.now();
      const long = inner.run(['sleep', '60'], { timeoutMs: 50_000 });
      await new Promise((r) => setTimeout(r, 300));
      await host.run(['sh', '-c', `kill -KILL ${sessionPid} $(awk '{print $4}' /proc/${sessionPid}/stat)`]);
      await assert.rejects(long, (e: unknown) => e instanceof CommandError && /connection lost|closed/.test(e.message));
      assert.ok(Date.now() - started < 10_000, `noticed after ${Date.now() - started} ms`);
    } finally {
      await inner.close();
    }
  });
});

async function waitFor(condition: () => boolean, deadlineMs = 5_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`condition not met within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
