import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Bdf } from '../../../harness/pci/bdf.ts';
import type { ActiveInterface } from '../../../harness/pci/types.ts';
import { AssignError, GuardError, assignGroups, planAssignGroup } from '../../../harness/prepare/assign-group.ts';
import { readDeviceFacts, type DeviceFacts } from '../../../harness/prepare/device-facts.ts';
import { restoreFromJournal } from '../../../harness/prepare/restore.ts';
import { setNumVfs } from '../../../harness/pci/sriov-ops.ts';
import { LAB, SimulatedCrash, snapshot, useSimLabs } from '../../support/sim-kernel.ts';

const JOURNAL = '/var/lib/passbench/journal.json';
const eth0Active: ActiveInterface[] = [{ name: 'eth0', reasons: [{ kind: 'default-route', family: 'ipv4' }] }];
const probeActive = async () => eth0Active;
const b = (s: string) => s as Bdf;

describe('prepare/assign-group', () => {
  const lab = useSimLabs();
  const journalExists = (root: string) => fs.access(path.join(root, JOURNAL)).then(() => true, () => false);

  describe('plan (pure)', () => {
    async function factsOf(bdfs: string[]) {
      const { sim } = await lab();
      const m = new Map<Bdf, DeviceFacts>();
      for (const x of bdfs) m.set(b(x), await readDeviceFacts(sim, b(x)));
      return m;
    }

    it('expands the IOMMU group in order', async () => {
      const facts = await factsOf([LAB.lpc, LAB.sata, LAB.smbus]);
      const plan = planAssignGroup([b(LAB.sata)], facts, []);
      assert.deepEqual(plan.steps.map((s) => [s.bdf, s.reason]), [[LAB.lpc, 'group 4'], [LAB.sata, 'requested'], [LAB.smbus, 'group 4']]);
      assert.deepEqual(plan.refusals, []);
    });

    it('leaves a bridge in the group on its driver, refuses a bridge asked for', async () => {
      const facts = await factsOf([LAB.bridge, LAB.behindBridge]);
      const plan = planAssignGroup([b(LAB.behindBridge)], facts, []);
      assert.deepEqual(plan.steps.map((s) => s.bdf), [LAB.behindBridge]);
      assert.equal(plan.skipped[0]?.bdf, LAB.bridge);
      const refused = planAssignGroup([b(LAB.bridge)], facts, []);
      assert.equal(refused.refusals[0]?.rule, 'bridge');
    });

    it('refuses a group with an active interface unless forced (and says so when forced)', async () => {
      const facts = await factsOf([LAB.nicActive]);
      const plan = planAssignGroup([b(LAB.nicActive)], facts, eth0Active);
      assert.equal(plan.refusals[0]?.rule, 'active-interface');
      assert.match(plan.refusals[0]!.message, /eth0.*default route \(ipv4\)/);
      const forced = planAssignGroup([b(LAB.nicActive)], facts, eth0Active, { force: true });
      assert.deepEqual(forced.refusals, []);
      assert.equal(forced.forced.length, 1);
    });
  });

  it('binds a device with its whole group; restore gives the exact before-state; restore twice', async () => {
    const { sim, root } = await lab();
    const before = await snapshot(root);
    const result = await assignGroups(sim, [b(LAB.smbus)], { probeActive });
    assert.deepEqual(result.bound.map((x) => x.bdf), [LAB.lpc, LAB.sata, LAB.smbus]);
    const during = await snapshot(root);
    for (const m of [LAB.lpc, LAB.sata, LAB.smbus]) assert.equal(during.devices[m]?.driver, 'vfio-pci');
    assert.ok(during.vfio.includes('4'));
    const journal = JSON.parse(await fs.readFile(path.join(root, JOURNAL), 'utf8'));
    assert.deepEqual(journal.steps.map((s: { status: string }) => s.status), ['done', 'done', 'done']);
    const r1 = await restoreFromJournal(sim);
    assert.equal(r1.failed, 0);
    assert.deepEqual(await snapshot(root), before);
    assert.equal(await journalExists(root), false);
    const r2 = await restoreFromJournal(sim);
    assert.equal(r2.found, false);
    assert.deepEqual(await snapshot(root), before);
  });

  it('two binds append to one journal; restore undoes both', async () => {
    const { sim, root } = await lab();
    const before = await snapshot(root);
    await assignGroups(sim, [b(LAB.nicSpare)], { probeActive });
    await assignGroups(sim, [b(LAB.behindBridge)], { probeActive });
    await assignGroups(sim, [b(LAB.nicSpare)], { probeActive }); // already bound: no new step
    const journal = JSON.parse(await fs.readFile(path.join(root, JOURNAL), 'utf8'));
    assert.equal(journal.steps.length, 2);
    await restoreFromJournal(sim);
    assert.deepEqual(await snapshot(root), before);
  });

  it('a failing member rolls back the ones already bound, in reverse; no journal left', async () => {
    const { sim, root } = await lab({ failures: [{ op: 'probe', driver: 'vfio-pci', bdf: LAB.sata, code: 'EINVAL' }] });
    const before = await snapshot(root);
    await assert.rejects(assignGroups(sim, [b(LAB.lpc)], { probeActive, timeoutMs: 100 }), (e: unknown) =>
      e instanceof AssignError && e.message.includes(LAB.sata) && e.message.includes('every device was put back'));
    assert.deepEqual(await snapshot(root), before);
    assert.equal(await journalExists(root), false);
  });

  // lpc and sata: override, unbind, probe; smbus (unbound): override, probe. Die before each in turn.
  for (let k = 1; k <= 8; k++) {
    it(`crash before sysfs write ${k} of a group bind, then restore: exact before-state`, async () => {
      const { sim, root, reopen } = await lab({ crashOnWrite: k });
      const before = await snapshot(root);
      await assert.rejects(assignGroups(sim, [b(LAB.lpc)], { probeActive }), (e: unknown) =>
        e instanceof SimulatedCrash || (e instanceof AssignError && e.cause instanceof SimulatedCrash));
      assert.equal(await journalExists(root), true, 'the journal was written before the change');
      const result = await restoreFromJournal(reopen());
      assert.equal(result.failed, 0, JSON.stringify(result.outcomes));
      assert.deepEqual(await snapshot(root), before);
      assert.equal(await journalExists(root), false);
    });
  }

  describe('bad input: a clear error and no change', () => {
    it('an unknown device', async () => {
      const { sim, root } = await lab();
      const before = await snapshot(root);
      await assert.rejects(assignGroups(sim, [b('0000:42:00.0')], { probeActive }), /no PCI device 0000:42:00\.0/);
      assert.deepEqual(await snapshot(root), before);
      assert.equal(await journalExists(root), false);
    });

    it('a group with the active NIC', async () => {
      const { sim, root } = await lab();
      const before = await snapshot(root);
      await assert.rejects(assignGroups(sim, [b(LAB.nicActive)], { probeActive }), (e: unknown) =>
        e instanceof GuardError && /eth0/.test(e.message) && /--force/.test(e.remedy ?? ''));
      assert.deepEqual(await snapshot(root), before);
      assert.equal(sim.writes.length, 0);
      assert.equal(await journalExists(root), false);
    });

    it('a PF whose VFs are in use', async () => {
      const { sim, root } = await lab();
      await setNumVfs(sim, b(LAB.pf), 2);
      const before = await snapshot(root);
      await assert.rejects(assignGroups(sim, [b(LAB.pf)], { probeActive: async () => [] }), /VFs in use.*0000:00:12\.0 on igbvf/);
      assert.deepEqual(await snapshot(root), before);
    });

    it('a journal path with ..', async () => {
      const { sim, root } = await lab();
      const before = await snapshot(root);
      await assert.rejects(assignGroups(sim, [b(LAB.nicSpare)], { probeActive, journalPath: '/var/../etc/x.json' }), /without "\.\."/);
      assert.deepEqual(await snapshot(root), before);
    });
  });

  it('the new_id fallback binds and restores exactly (remove_id on restore)', async () => {
    const { sim, root } = await lab({ noOverride: true });
    const before = await snapshot(root);
    const r = await assignGroups(sim, [b(LAB.nicSpare)], { probeActive });
    assert.equal(r.bound[0]?.method, 'new_id');
    await restoreFromJournal(sim);
    assert.deepEqual(await snapshot(root), before);
    assert.ok(sim.writes.some((w) => w.path === '/sys/bus/pci/drivers/vfio-pci/remove_id'));
  });
});
