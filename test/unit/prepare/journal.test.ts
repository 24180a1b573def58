import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../../harness/errors.ts';
import type { Bdf } from '../../../harness/pci/bdf.ts';
import { assignGroups } from '../../../harness/prepare/assign-group.ts';
import { Journal, JournalError, stepSubject } from '../../../harness/prepare/journal.ts';
import { restoreFromJournal } from '../../../harness/prepare/restore.ts';
import { configureVfs } from '../../../harness/prepare/sriov.ts';
import { LAB, snapshot, useSimLabs } from '../../support/sim-kernel.ts';

const JOURNAL = '/var/lib/passbench/journal.json';
const probeActive = async () => [];

describe('prepare/journal and restore', () => {
  const lab = useSimLabs();

  it('is replaced atomically (Host.replaceFile), mode 0600, no temp file left; a change is three requests', async () => {
    const { sim, root } = await lab();
    // Every Host call a change makes (each is a round trip to a lab host): read, the folder, replace.
    const calls: string[] = [];
    const counted = new Proxy(sim, {
      get: (target, key, receiver) => {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(`${String(key)} ${String(args[0])}`);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const j = await Journal.open(counted, JOURNAL);
    calls.length = 0;
    const id = await j.begin({ kind: 'numvfs', bdf: LAB.pf as Bdf, before: { numVfs: 0 }, target: 2 });
    assert.deepEqual(calls, [`readFile ${JOURNAL}`, `mkdir ${path.dirname(JOURNAL)}`, `replaceFile ${JOURNAL}`]);
    await j.done(id);
    const file = path.join(root, JOURNAL);
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(await fs.readdir(path.dirname(file)), ['journal.json'], 'no temp file left');
    assert.equal((await Journal.load(sim, JOURNAL))?.steps[0]?.status, 'done');
  });

  for (const [what, content] of [
    ['not JSON', '{"version":1,'],
    ['a BDF with ../ in it', JSON.stringify({ version: 1, host: 'x', createdAt: '', steps: [{ id: 1, kind: 'driver', bdf: '../../../etc', before: {}, target: 'vfio-pci', status: 'done' }] })],
    ['a driver name with ../', JSON.stringify({ version: 1, host: 'x', createdAt: '', steps: [{ id: 1, kind: 'driver', bdf: LAB.nicSpare, before: { driver: '../../x' }, target: 'vfio-pci', status: 'done' }] })],
    ['an unknown version', JSON.stringify({ version: 9, steps: [] })],
  ] as const) {
    it(`a journal holding ${what} is refused by restore with no change`, async () => {
      const { sim, root } = await lab();
      await fs.mkdir(path.dirname(path.join(root, JOURNAL)), { recursive: true });
      await fs.writeFile(path.join(root, JOURNAL), content);
      const before = await snapshot(root);
      await assert.rejects(restoreFromJournal(sim), (e: unknown) => e instanceof JournalError && !!e.remedy);
      assert.deepEqual(await snapshot(root), before);
      assert.equal(sim.writes.length, 0);
    });
  }

  it('a bad journal path is a usage error saying what is wrong with it', async () => {
    const { sim } = await lab();
    for (const [file, why] of [['journal.json', /not absolute/], ['/var/lib/passbench/', /ends with "\/", so it names a folder/], ['/var/lib/../tmp/j.json', /"\.\." part/]] as const) {
      await assert.rejects(Journal.open(sim, file), (e: unknown) => e instanceof UsageError && e.message.includes(JSON.stringify(file)) && why.test(e.message), file);
    }
  });

  it('restore tries every step, reports each failure, keeps only the failed ones; a later restore finishes', async () => {
    const { sim, root, reopen } = await lab();
    const before = await snapshot(root);
    await assignGroups(sim, [LAB.lpc as Bdf], { probeActive, force: true });
    await assignGroups(sim, [LAB.nicSpare as Bdf], { probeActive });
    // Two devices refuse to leave vfio-pci this time.
    const stubborn = reopen({ failures: [{ op: 'unbind', driver: 'vfio-pci', bdf: LAB.nicSpare, code: 'EBUSY' }, { op: 'unbind', driver: 'vfio-pci', bdf: LAB.sata, code: 'EBUSY' }] });
    const first = await restoreFromJournal(stubborn, { timeoutMs: 100 });
    assert.equal(first.failed, 2);
    assert.deepEqual(first.outcomes.map((o) => [stepSubject(o.step), o.result]), [
      [LAB.nicSpare, 'failed'], [LAB.smbus, 'undone'], [LAB.sata, 'failed'], [LAB.lpc, 'undone'],
    ]);
    const failed = first.outcomes.find((o) => o.result === 'failed');
    assert.match(failed?.result === 'failed' ? failed.error : '', /EBUSY/);
    assert.deepEqual((await Journal.load(sim, JOURNAL))?.steps.map(stepSubject), [LAB.sata, LAB.nicSpare]);
    const second = await restoreFromJournal(reopen());
    assert.equal(second.failed, 0);
    assert.deepEqual(await snapshot(root), before);
  });

  // Undoing the lpc group: sata/lpc take override + unbind + probe, smbus override + unbind.
  for (let k = 1; k <= 8; k++) {
    it(`a restore that dies at sysfs write ${k} is finished by the next restore`, async () => {
      const { sim, root, reopen } = await lab();
      const before = await snapshot(root);
      await assignGroups(sim, [LAB.lpc as Bdf], { probeActive, force: true });
      await restoreFromJournal(reopen({ crashOnWrite: k })).catch(() => undefined);
      const r = await restoreFromJournal(reopen());
      assert.equal(r.failed, 0, JSON.stringify(r.outcomes));
      assert.deepEqual(await snapshot(root), before);
      assert.equal((await restoreFromJournal(reopen())).found, false);
    });
  }

  it('two writers at once keep every step: each re-reads the file and has a temp file of its own', async () => {
    const { sim, root, reopen } = await lab();
    const before = await snapshot(root);
    // Two transactions side by side on one connection (two binds, or guests journalled as they boot).
    await Promise.all([assignGroups(sim, [LAB.lpc as Bdf], { probeActive, force: true }), assignGroups(sim, [LAB.nicSpare as Bdf], { probeActive })]);
    const steps = (await Journal.load(sim, JOURNAL))!.steps;
    assert.deepEqual(steps.map(stepSubject).sort(), [LAB.lpc, LAB.sata, LAB.smbus, LAB.nicSpare].sort());
    assert.deepEqual(steps.map((s) => s.id).sort(), [1, 2, 3, 4], 'ids unique');
    assert.equal((await restoreFromJournal(reopen())).left.length, 0);
    assert.deepEqual(await snapshot(root), before);
  });

  it('VFs a guest still holds (unbind EBUSY): restore leaves sriov_numvfs alone, keeps the journal, lists what is left', async () => {
    const { sim, root, reopen } = await lab();
    const before = await snapshot(root);
    const made = await configureVfs(sim, LAB.pf as Bdf, 2, { bindVfio: true });
    const vfs = made.vfs.map((v) => v.bdf);
    const held = reopen({ failures: vfs.map((bdf) => ({ op: 'unbind' as const, driver: 'vfio-pci', bdf, code: 'EBUSY' as const })) });
    const first = await restoreFromJournal(held, { timeoutMs: 100 });
    assert.deepEqual(first.outcomes.map((o) => [stepSubject(o.step), o.result]), [[vfs[1], 'failed'], [vfs[0], 'failed'], [LAB.pf, 'skipped']]);
    const skipped = first.outcomes[2]!;
    assert.ok(skipped.result === 'skipped' && skipped.blockedBy.length === 2);
    assert.equal(first.left.length, 3);
    assert.ok(!held.writes.some((w) => w.path.endsWith('sriov_numvfs')), 'sriov_numvfs never written while its VFs are held');
    const after = await snapshot(root);
    assert.equal(after.devices[LAB.pf]!.numVfs, 2);
    assert.equal(after.devices[vfs[0]!]!.driver, 'vfio-pci');
    // A second restore while they are still held changes nothing and still keeps the journal.
    assert.equal((await restoreFromJournal(held, { timeoutMs: 100 })).left.length, 3);
    assert.equal((await Journal.load(sim, JOURNAL))?.steps.length, 3);
    // The guest let go: restore finishes.
    const done = await restoreFromJournal(reopen());
    assert.equal(done.left.length, 0, JSON.stringify(done.outcomes));
    assert.deepEqual(await snapshot(root), before);
    assert.equal((await restoreFromJournal(reopen())).found, false);
  });
});
