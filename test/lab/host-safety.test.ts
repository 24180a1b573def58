import assert from 'node:assert/strict';
import { execa } from 'execa';
import os from 'node:os';
import path from 'node:path';
import { labShell, sharedLab, sharedLabName, SNAPSHOT } from '../support/shared-lab.ts';
import { firstSamples, keyFolders, resetLab, startFaultRun, VF_PF, waitFor, type FaultRun } from './fault-run.ts';
import { shellWords } from '../support/shell-words.ts';

/**
 * Host safety in the virtual lab (issue 11, gaps 3-6), against the real kernel over SSH:
 * two host-changing commands at once, a `passbench run` killed with SIGKILL then put back by the
 * command it printed, and VFs a guest holds while restore runs. Before/after is read outside the
 * harness (SNAPSHOT, a shell loop over sysfs) and must be equal.
 */
const STATE = '/var/lib/passbench';
const JOURNAL = `${STATE}/journal.json`;
const LOCK = `${STATE}/run.lock`;

/** How many QEMU processes run in the lab host. */
async function qemuInLab(): Promise<string> {
  return (await labShell('pgrep -c qemu-system || true')).trim();
}

/** The lab host's journal, parsed (undefined when there is none). */
async function labJournal(): Promise<{ steps: { kind: string; status: string; bdf?: string }[] } | undefined> {
  const text = await labShell(`cat ${JOURNAL} 2>/dev/null; true`);
  return text.trim() ? JSON.parse(text) : undefined;
}

describe('host safety in the virtual lab', function () {
  this.timeout(3_000_000);
  let config = '';
  const passbench = (...args: string[]) =>
    execa('./bin/passbench.js', [...args, '--lab', config, '--host', sharedLabName], { reject: false, timeout: 600_000 });

  before(async () => {
    config = (await sharedLab()).paths.config;
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      // The test's own foreign guest, by its pid file (a pattern would match this very shell too).
      await labShell('kill -KILL $(cat /run/passbench-held-vf.pid 2>/dev/null) 2>/dev/null; rm -f /run/passbench-held-vf.pid; true');
      await resetLab([]);
    }
  });

  it('two host commands at once: one holds the host, the other exits 3 naming it; the journal is complete; restore puts everything back', async () => {
    const before = await labShell(SNAPSHOT);
    // The first takes the host: VFs made and bound one by one (seconds under TCG), holding the lock throughout.
    const first = execa('./bin/passbench.js', ['sriov', VF_PF, '--vfs', '4', '--bind-vfio', '--lab', config, '--host', sharedLabName], { reject: false });
    await waitFor('the first command to take the lock', 300_000, async () => {
      if (first.exitCode !== null) throw new Error(`the first command ended before the second could start: ${(await first).stderr}`);
      return (await labShell(`cat ${LOCK}/owner.json 2>/dev/null; true`)).includes('"command": "sriov"');
    }, 200);
    const [bind, sriov] = await Promise.all([
      passbench('bind', VF_PF),
      passbench('sriov', VF_PF, '--vfs', '2'),
    ]);
    const holder = new RegExp(`host ${sharedLabName} is busy: passbench sriov \\(pid ${first.pid} on ${os.hostname()}, since [^)]+\\) holds ${LOCK}`);
    for (const [name, r] of [['bind', bind], ['sriov', sriov]] as const) {
      assert.equal(r.exitCode, 3, `${name} was not refused while the host was held:\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, holder, name);
    }
    const won = await first;
    assert.equal(won.exitCode, 0, `${won.stdout}\n${won.stderr}`);
    // Every change the winner made is in the journal, done: sriov_numvfs and the four VF binds.
    const journal = await labJournal();
    assert.deepEqual(journal?.steps.map((s) => `${s.kind} ${s.status}`), ['numvfs done', 'driver done', 'driver done', 'driver done', 'driver done']);
    assert.equal((await labShell(`test -e ${LOCK} && echo held; true`)).trim(), '', 'the lock was released');
    const undo = /Undo with: (passbench restore .*)$/m.exec(won.stdout)?.[1];
    assert.ok(undo, won.stdout);
    const restored = await execa('./bin/passbench.js', shellWords(undo).slice(1), { reject: false, timeout: 600_000 });
    assert.equal(restored.exitCode, 0, `${restored.stdout}\n${restored.stderr}`);
    assert.equal(await labShell(SNAPSHOT), before);
  });

  it('SIGKILL of `passbench run` during measurement, then the remedy it printed: no QEMU left, host as before', async () => {
    const before = await labShell(SNAPSHOT);
    const run: FaultRun = await startFaultRun({ scenario: 'sriov', count: 2 });
    await firstSamples(run);
    run.child.kill('SIGKILL');
    await run.child;
    assert.notEqual(await qemuInLab(), '0', 'the killed run\'s guests should still be running (nothing stopped them)');
    const remedy = /if this run dies, put the host back with: (passbench restore .*)$/m.exec(run.output())?.[1];
    assert.ok(remedy, run.output());
    const words = shellWords(remedy);
    assert.deepEqual(words.slice(0, 6), ['passbench', 'restore', '--host', sharedLabName, '--lab', path.resolve(config)]);
    const restored = await execa('./bin/passbench.js', words.slice(1), { reject: false, timeout: 900_000 });
    const out = `${restored.stdout}\n${restored.stderr}`;
    assert.equal(restored.exitCode, 0, out);
    assert.match(restored.stdout, new RegExp(`Took over the stale lock ${LOCK}: its owner run \\S+ \\(sriov, pid ${run.child.pid}`), out);
    assert.match(restored.stdout, /restored {2}QEMU of guest vf0 \(pid \d+\) {2}stopped/, out);
    assert.match(restored.stdout, /restored {2}QEMU of guest vf1 \(pid \d+\) {2}stopped/, out);
    assert.equal(await qemuInLab(), '0', 'nested QEMU left running in the lab');
    assert.equal(await labShell(SNAPSHOT), before);
    assert.equal((await labShell(`ls /run/passbench/guests 2>/dev/null; test -e ${JOURNAL} && echo journal; test -e ${LOCK} && echo lock; true`)).trim(), '',
      'guest key folders, journal or lock left on the lab host');
    assert.deepEqual(await keyFolders(run), [], 'the killed run\'s guest keys were left on the controller');
  });

  it('VFs held by a guest during restore: restore exits 1, journal kept, sriov_numvfs untouched; once the guest stops, restore succeeds', async () => {
    const before = await labShell(SNAPSHOT);
    const made = await passbench('sriov', VF_PF, '--vfs', '2', '--bind-vfio');
    assert.equal(made.exitCode, 0, `${made.stdout}\n${made.stderr}`);
    const vfs = (await labShell(`for v in /sys/bus/pci/devices/${VF_PF}/virtfn*; do basename $(readlink -f $v); done`)).trim().split('\n');
    assert.equal(vfs.length, 2);
    // A guest that is not passbench's (restore must not stop it): QEMU paused at the first
    // instruction, holding both VFs, named so the cleanup can find it.
    const devices = vfs.flatMap((vf) => ['-device', `vfio-pci,host=${vf}`]);
    await labShell(`qemu-system-x86_64 -name passbench-held-vf -machine q35 -accel tcg -m 64 -nodefaults -display none -S ${devices.join(' ')} `
      + '-daemonize -pidfile /run/passbench-held-vf.pid', 300_000); // returns once QEMU has set up the VFs: slow under TCG on a loaded machine
    try {
      const held = await passbench('restore');
      const out = `${held.stdout}\n${held.stderr}`;
      assert.equal(held.exitCode, 1, out);
      for (const vf of vfs) assert.match(held.stdout, new RegExp(`FAILED {4}${vf.replace(/\./g, '\\.')} .*\\n.*is in use: /dev/vfio/\\d+( / /dev/vfio/devices/vfio\\d+)? held by pid \\d+ \\(qemu-system-x86\\)`), out);
      assert.match(held.stdout, new RegExp(`SKIPPED {3}${VF_PF.replace(/\./g, '\\.')} {2}sriov_numvfs 2 -> 0`), out);
      assert.match(held.stdout, /Not restored: 3 step\(s\) remain in \/var\/lib\/passbench\/journal\.json/, out);
      assert.equal((await labShell(`cat /sys/bus/pci/devices/${VF_PF}/sriov_numvfs`)).trim(), '2', 'sriov_numvfs was changed under the guest');
      assert.equal((await labJournal())?.steps.length, 3, 'the journal was not kept whole');
    } finally {
      // Tolerant of a QEMU already gone: a failure here must not hide the assertion that failed.
      await labShell('p=$(cat /run/passbench-held-vf.pid 2>/dev/null) && { kill $p; while [ -e /proc/$p ]; do sleep 0.2; done; }; rm -f /run/passbench-held-vf.pid; true');
    }
    const done = await passbench('restore');
    assert.equal(done.exitCode, 0, `${done.stdout}\n${done.stderr}`);
    assert.match(done.stdout, /Restored; journal \/var\/lib\/passbench\/journal\.json removed/);
    assert.equal(await labShell(SNAPSHOT), before);
  });
});
