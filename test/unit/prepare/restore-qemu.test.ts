import assert from 'node:assert/strict';
import path from 'node:path';
import type { Bdf } from '../../../harness/pci/bdf.ts';
import { Journal, stepSubject } from '../../../harness/prepare/journal.ts';
import { restoreFromJournal } from '../../../harness/prepare/restore.ts';
import { configureVfs } from '../../../harness/prepare/sriov.ts';
import { LAB, snapshot, useSimLabs } from '../../support/sim-kernel.ts';
import { SimProcesses } from '../../support/sim-processes.ts';

const JOURNAL = '/var/lib/passbench/journal.json';
const qemuArgv = (guest: string, vf: string) => ['qemu-system-x86_64', '-name', guest, '-device', `vfio-pci,host=${vf},id=hostdev0`];
const fast = { qemu: { termMs: 300, killMs: 300 }, timeoutMs: 100 };

describe('prepare/restore: guests\' QEMU left by a killed run', () => {
  const lab = useSimLabs();

  /** A simulated host with processes, 2 VFs of the PF made and bound to vfio-pci (journalled). */
  async function withVfsOnVfio() {
    let root = '';
    const procs = new SimProcesses(() => root);
    const l = await lab({ run: procs.runner() });
    root = l.root;
    const before = await snapshot(root);
    const vfs = (await configureVfs(l.sim, LAB.pf as Bdf, 2, { bindVfio: true })).vfs.map((v) => v.bdf);
    return { ...l, procs, vfs, before };
  }

  async function killedRun() {
    // What a run had done when it was SIGKILLed: 2 VFs on vfio-pci, a guest's QEMU on each.
    const l = await withVfsOnVfio();
    const vfs = l.vfs;
    const journal = await Journal.open(l.sim, JOURNAL);
    for (const [i, vf] of vfs.entries()) {
      const id = await journal.begin({ kind: 'qemu', guest: `vf${i}`, argv: qemuArgv(`vf${i}`, vf), devices: [vf as Bdf] });
      await journal.update(id, (s) => { if (s.kind === 'qemu') { s.pid = 500 + i; s.startTime = `${9000 + i}`; } });
    }
    return l;
  }

  it('stops each journalled QEMU that still runs (same start time and command line), then restores the devices', async () => {
    const t = await killedRun();
    await t.procs.start({ pid: 500, argv: qemuArgv('vf0', t.vfs[0]!), startTime: '9000' });
    await t.procs.start({ pid: 501, argv: qemuArgv('vf1', t.vfs[1]!), startTime: '9001', ignores: ['TERM'] });
    const r = await restoreFromJournal(t.reopen({ run: t.procs.runner() }), fast);
    assert.equal(r.left.length, 0, JSON.stringify(r.outcomes));
    assert.deepEqual(t.procs.signals, ['TERM 501', 'KILL 501', 'TERM 500'], 'newest first; KILL only for the one that ignored TERM');
    assert.deepEqual(r.outcomes.slice(0, 2).map((o) => o.result), ['undone', 'undone'], 'QEMU stopped before any device is touched');
    assert.deepEqual(await snapshot(t.root), t.before);
  });

  it('leaves alone a process that took a journalled pid (other start time, or other command line)', async () => {
    const t = await killedRun();
    await t.procs.start({ pid: 500, argv: qemuArgv('vf0', t.vfs[0]!), startTime: '1234' });
    await t.procs.start({ pid: 501, argv: ['sshd', '-D'], startTime: '9001' });
    const r = await restoreFromJournal(t.reopen({ run: t.procs.runner() }), fast);
    assert.deepEqual(t.procs.signals, []);
    assert.ok(await t.procs.running(500) && await t.procs.running(501));
    const notes = r.outcomes.flatMap((o) => (o.result === 'gone' && o.step.kind === 'qemu' ? [o.note] : []));
    assert.match(notes[0]!, /pid now runs `sshd -D…`, not this QEMU; left alone/);
    assert.match(notes[1]!, /pid now belongs to a process started at 1234, not 9000; left alone/);
    assert.equal(r.left.length, 0);
    assert.deepEqual(await snapshot(t.root), t.before);
  });

  it('a QEMU that will not die keeps its VF on vfio-pci and the PF\'s VFs in place; the journal keeps all three', async () => {
    const t = await killedRun();
    await t.procs.start({ pid: 500, argv: qemuArgv('vf0', t.vfs[0]!), startTime: '9000', ignores: ['TERM', 'KILL'] });
    const r = await restoreFromJournal(t.reopen({ run: t.procs.runner() }), fast);
    assert.deepEqual(r.outcomes.map((o) => [stepSubject(o.step), o.result]), [
      ['QEMU of guest vf1 (pid 501)', 'gone'], ['QEMU of guest vf0 (pid 500)', 'failed'],
      [t.vfs[1], 'undone'], [t.vfs[0], 'skipped'], [LAB.pf, 'skipped'],
    ]);
    const failed = r.outcomes[1]!;
    assert.ok(failed.result === 'failed' && /did not exit after SIGTERM and SIGKILL/.test(failed.error));
    const now = await snapshot(t.root);
    assert.equal(now.devices[t.vfs[0]!]!.driver, 'vfio-pci');
    assert.equal(now.devices[LAB.pf]!.numVfs, 2);
    assert.deepEqual((await Journal.load(t.sim, JOURNAL))!.steps.map(stepSubject), [LAB.pf, t.vfs[0], 'QEMU of guest vf0 (pid 500)']);
  });

  it('a QEMU killed before it wrote its pid: the pid file is read, the command line checked', async () => {
    const { sim, root, reopen } = await lab();
    const procs = new SimProcesses(() => root);
    const journal = await Journal.open(sim, JOURNAL);
    await journal.begin({ kind: 'qemu', guest: 'nic0', argv: qemuArgv('nic0', LAB.nicSpare), pidFile: '/run/passbench/guests/nic0/qemu.pid', devices: [LAB.nicSpare as Bdf] });
    await sim.mkdir('/run/passbench/guests/nic0');
    await sim.writeFile('/run/passbench/guests/nic0/qemu.pid', '777\n');
    await procs.start({ pid: 777, argv: qemuArgv('nic0', LAB.nicSpare), startTime: '5' });
    const r = await restoreFromJournal(reopen({ run: procs.runner() }), fast);
    assert.deepEqual(procs.signals, ['TERM 777']);
    assert.equal(r.left.length, 0);
  });

  it('VFs another process holds (a guest of someone else: their VFIO groups open): never unbound, numvfs untouched; finished once it is gone', async () => {
    const { procs, vfs, before, root, ...l } = await withVfsOnVfio();
    const groups = await Promise.all(vfs.map(async (vf) => path.posix.basename(await l.sim.readLink(`/sys/bus/pci/devices/${vf}/iommu_group`))));
    // One holds VF 1 through its group (QEMU's legacy container); one holds VF 0 through its own
    // vfio cdev (iommufd), which the kernel lists under the device's vfio-dev/.
    await l.sim.mkdir(`/sys/bus/pci/devices/${vfs[0]}/vfio-dev/vfio0`);
    await procs.start({ pid: 900, argv: ['qemu-system-x86_64', '-name', 'theirs'], startTime: '1', open: [`/dev/vfio/${groups[1]}`] });
    await procs.start({ pid: 901, argv: ['qemu-system-x86_64', '-name', 'iommufd'], startTime: '1', open: ['/dev/vfio/devices/vfio0'] });
    const held = l.reopen({ run: procs.runner() });
    const r = await restoreFromJournal(held, fast);
    assert.deepEqual(r.outcomes.map((o) => o.result), ['failed', 'failed', 'skipped']);
    const errors = r.outcomes.map((o) => (o.result === 'failed' ? o.error : ''));
    assert.match(errors[0]!, new RegExp(`^${vfs[1]} is in use: /dev/vfio/${groups[1]} held by pid 900 \\(qemu-system-x86\\)`));
    assert.match(errors[1]!, new RegExp(`^${vfs[0]} is in use: /dev/vfio/${groups[0]} / /dev/vfio/devices/vfio0 held by pid 901 \\(qemu-system-x86\\)`));
    assert.deepEqual(held.writes, [], 'no unbind (it would block on a real kernel), no sriov_numvfs');
    assert.equal(r.left.length, 3);
    assert.deepEqual(procs.signals, [], 'not ours: never signalled');
    await procs.stop(900);
    await procs.stop(901);
    const done = await restoreFromJournal(l.reopen({ run: procs.runner() }), fast);
    assert.equal(done.left.length, 0, JSON.stringify(done.outcomes));
    assert.deepEqual(await snapshot(root), before);
  });
});
