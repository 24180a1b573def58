import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../../harness/errors.ts';
import type { Bdf } from '../../../harness/pci/bdf.ts';
import { assignGroups } from '../../../harness/prepare/assign-group.ts';
import { Journal, JournalError } from '../../../harness/prepare/journal.ts';
import { restoreFromJournal } from '../../../harness/prepare/restore.ts';
import { LAB, snapshot, useSimLabs } from '../../support/sim-kernel.ts';

const JOURNAL = '/var/lib/passbench/journal.json';
const probeActive = async () => [];

describe('prepare/journal and restore', () => {
  const lab = useSimLabs();

  it('is replaced atomically (temp file + rename), mode 0600, no temp file left', async () => {
    const { sim, root } = await lab();
    const renames: string[][] = [];
    const rename = sim.rename.bind(sim);
    sim.rename = async (a, b) => { renames.push([a, b]); return rename(a, b); };
    const j = await Journal.open(sim, JOURNAL);
    const id = await j.begin({ kind: 'numvfs', bdf: LAB.pf as Bdf, before: { numVfs: 0 }, target: 2 });
    await j.done(id);
    assert.deepEqual(renames, [[`${JOURNAL}.tmp`, JOURNAL], [`${JOURNAL}.tmp`, JOURNAL]]);
    const file = path.join(root, JOURNAL);
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
    await assert.rejects(fs.access(`${file}.tmp`));
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

  it('a relative journal path is a usage error', async () => {
    const { sim } = await lab();
    await assert.rejects(Journal.open(sim, 'journal.json'), UsageError);
  });

  it('restore tries every step, reports each failure, keeps only the failed ones; a later restore finishes', async () => {
    const { sim, root, reopen } = await lab();
    const before = await snapshot(root);
    await assignGroups(sim, [LAB.lpc as Bdf], { probeActive });
    await assignGroups(sim, [LAB.nicSpare as Bdf], { probeActive });
    // Two devices refuse to leave vfio-pci this time.
    const stubborn = reopen({ failures: [{ op: 'unbind', driver: 'vfio-pci', bdf: LAB.nicSpare, code: 'EBUSY' }, { op: 'unbind', driver: 'vfio-pci', bdf: LAB.sata, code: 'EBUSY' }] });
    const first = await restoreFromJournal(stubborn, { timeoutMs: 100 });
    assert.equal(first.failed, 2);
    assert.deepEqual(first.outcomes.map((o) => [o.step.bdf, o.result]), [
      [LAB.nicSpare, 'failed'], [LAB.smbus, 'undone'], [LAB.sata, 'failed'], [LAB.lpc, 'undone'],
    ]);
    const failed = first.outcomes.find((o) => o.result === 'failed');
    assert.match(failed?.result === 'failed' ? failed.error : '', /EBUSY/);
    assert.deepEqual((await Journal.load(sim, JOURNAL))?.steps.map((s) => s.bdf), [LAB.sata, LAB.nicSpare]);
    const second = await restoreFromJournal(reopen());
    assert.equal(second.failed, 0);
    assert.deepEqual(await snapshot(root), before);
  });

  // Undoing the lpc group: sata/lpc take override + unbind + probe, smbus override + unbind.
  for (let k = 1; k <= 8; k++) {
    it(`a restore that dies at sysfs write ${k} is finished by the next restore`, async () => {
      const { sim, root, reopen } = await lab();
      const before = await snapshot(root);
      await assignGroups(sim, [LAB.lpc as Bdf], { probeActive });
      await restoreFromJournal(reopen({ crashOnWrite: k })).catch(() => undefined);
      const r = await restoreFromJournal(reopen());
      assert.equal(r.failed, 0, JSON.stringify(r.outcomes));
      assert.deepEqual(await snapshot(root), before);
      assert.equal((await restoreFromJournal(reopen())).found, false);
    });
  }
});
