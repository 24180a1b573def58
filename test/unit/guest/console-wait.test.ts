import assert from 'node:assert/strict';
import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { followConsole, GuestInitError, waitForConsole } from '../../../harness/guest/console-wait.ts';
import type { Host } from '../../../harness/host/host.ts';
import { LocalHost } from '../../../harness/host/local-host.ts';
import { tempDir } from '../../support/temp-dirs.ts';
import { WaitTimeoutError, fixedDeadline } from '../../../harness/wait/index.ts';

describe('guest/console-wait', () => {
  const ready = /services started/;

  it('returns once the console shows the ready line, retrying reads that fail', async () => {
    const texts = ['', 'booting', 'x\nservices started\n'];
    let reads = 0;
    const waited = await waitForConsole(async () => {
      reads += 1;
      if (reads === 2) throw new Error('cat: busy');
      return texts.shift()!;
    }, { ready, deadline: 5_000, what: 'guest vf0', pollMs: 1 });
    assert.equal(reads, 4);
    assert.ok(waited >= 0);
  });

  it('fails at once on a FATAL line from /init, with the console', async () => {
    let reads = 0;
    await assert.rejects(waitForConsole(async () => { reads += 1; return 'early\nFATAL: no root\n'; }, { ready, deadline: 60_000, what: 'guest vf0' }),
      (e: unknown) => e instanceof GuestInitError && /^guest vf0: the guest's \/init failed: FATAL: no root\nconsole:\nearly\nFATAL: no root$/.test(e.message));
    assert.equal(reads, 1);
  });

  it('fails at once when the guest kernel panics, naming the panic, with the console', async () => {
    let reads = 0;
    const console = '[    9.100] Run /bin/false as init process\n[    9.300] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\n[    9.301] CPU: 0 PID: 1';
    await assert.rejects(waitForConsole(async () => { reads += 1; return console; }, { ready, deadline: 60_000, what: 'guest vf0' }),
      (e: unknown) => e instanceof GuestInitError
        && /^guest vf0: the guest's kernel panicked: \[ {4}9\.300\] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\nconsole:\n/.test(e.message)
        && e.message.includes('Run /bin/false as init process'));
    assert.equal(reads, 1);
  });

  it('at the deadline: the console\'s last lines after the headline, then what the wait saw', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `[ ${i}.000] line ${i}`).join('\n');
    await assert.rejects(waitForConsole(async () => lines, { ready, deadline: fixedDeadline(60, 'run.durations.bootS'), what: 'guest vf0', pollMs: 10 }),
      (e: unknown) => {
        assert.ok(e instanceof WaitTimeoutError);
        // The wording the lab's fault test looks for: "console did not show … within N s; last lines:".
        assert.match(e.message, /^guest vf0: console did not show \/services started\/ within 0\.06 s; last lines:\n\[ 10\.000\] line 10\n/);
        assert.match(e.message, /\[ 29\.000\] line 29\nwaited [\d.]+ s \(deadline 0\.06 s, set by run\.durations\.bootS\), \d+ attempts; last seen: 30 console lines, none matching$/);
        assert.doesNotMatch(e.message, /line 9\n/);
        assert.match(e.remedy ?? '', /raise the deadline/);
        return true;
      });
  });

  it('ends at once when aborted, with the caller\'s error', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(waitForConsole(async () => 'booting', {
      ready, deadline: 60_000, what: 'guest vf0', pollMs: 10_000, signal: controller.signal, abortError: () => new Error('guest vf0: boot aborted'),
    }), /boot aborted/);
  });

  describe('followConsole', () => {
    it('follows the serial log with one tail: lines written later are seen without reading the file again', async () => {
      const log = path.join(await tempDir('pb-console-'), 'serial.log');
      await writeFile(log, 'passbench-guest: [1.00] start\n');
      let wholeReads = 0;
      const follower = await followConsole(new LocalHost(), log, async () => { wholeReads += 1; return ''; });
      try {
        assert.equal(follower.pollMs, 200);
        setTimeout(() => void appendFile(log, 'passbench-guest: [9.50] services started (sshd :22)\n'), 300);
        await waitForConsole(follower.read, { ready, deadline: 20_000, what: 'guest vf0', pollMs: follower.pollMs });
        assert.match(await follower.read(), /\[1\.00\] start\n.*\[9\.50\] services started/s);
        assert.equal(wholeReads, 0);
      } finally {
        await follower.stop();
      }
      // stopped: the tail is gone, and reads go to the file itself
      await follower.read();
      assert.equal(wholeReads, 1);
    });

    it('reads the whole file, at most every 2 s, where tail cannot run or ends early', async () => {
      const noTail = { spawn: async () => { throw new Error('tail: not found'); } } as unknown as Host;
      const ended = { spawn: async () => ({ argv: [], exited: Promise.resolve({ exitCode: 127, signal: null }), kill: async () => {} }) } as unknown as Host;
      for (const host of [noTail, ended]) {
        let wholeReads = 0;
        const follower = await followConsole(host, '/run/x/serial.log', async () => { wholeReads += 1; return 'services started\n'; });
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal(await follower.read(), 'services started\n');
        assert.equal(await follower.read(), 'services started\n');
        assert.equal(wholeReads, 1, 'a second read within 2 s reads the file again');
        await follower.stop();
      }
    });
  });
});
