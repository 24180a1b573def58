import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Bdf } from '../../../harness/pci/bdf.ts';
import type { ActiveInterface } from '../../../harness/pci/types.ts';
import { AssignError, GuardError, assignGroups, planAssignGroup } from '../../../harness/prepare/assign-group.ts';
import { readDeviceFacts, type DeviceFacts } from '../../../harness/prepare/device-facts.ts';
import { restoreFromJournal } from '../../../harness/prepare/restore.ts';
import { setNumVfs } from '../../../harness/pci/sriov-ops.ts';
import { HOST_USE, LAB, SimulatedCrash, snapshot, useSimLabs } from '../../support/sim-kernel.ts';
import { readAssignInputs } from '../../../harness/prepare/assign-inputs.ts';
import { SimProcesses } from '../../support/sim-processes.ts';

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
    const result = await assignGroups(sim, [b(LAB.smbus)], { probeActive, force: true });
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

  it('a NIC that was up (no address) is up again after restore; one that was down stays down', async () => {
    let root = '';
    const l = await lab({ run: new SimProcesses(() => root).runner() });
    root = l.root;
    const flags = (bdf: string, name: string) => path.join(root, 'sys/bus/pci/devices', bdf, 'net', name, 'flags');
    await fs.writeFile(flags(LAB.nicSpare, 'eth2'), '0x1003\n');
    await fs.writeFile(flags(LAB.pf, 'eth1'), '0x1002\n');
    await assignGroups(l.sim, [b(LAB.nicSpare), b(LAB.pf)], { probeActive });
    const journal = JSON.parse(await fs.readFile(path.join(root, JOURNAL), 'utf8')) as { steps: { bdf: string; before: { up?: string[] } }[] };
    assert.deepEqual(journal.steps.map((s) => [s.bdf, s.before.up]), [[LAB.nicSpare, ['eth2']], [LAB.pf, undefined]]);
    assert.equal(await fs.readFile(flags(LAB.nicSpare, 'eth2'), 'utf8'), '0x1002\n', 'unbound: down');
    assert.equal((await restoreFromJournal(l.sim)).failed, 0);
    assert.equal(await fs.readFile(flags(LAB.nicSpare, 'eth2'), 'utf8'), '0x1003\n');
    assert.equal(await fs.readFile(flags(LAB.pf, 'eth1'), 'utf8'), '0x1002\n');
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
    await assert.rejects(assignGroups(sim, [b(LAB.lpc)], { probeActive, force: true, timeoutMs: 100 }), (e: unknown) =>
      e instanceof AssignError && e.message.includes(LAB.sata) && e.message.includes('every device was put back'));
    assert.deepEqual(await snapshot(root), before);
    assert.equal(await journalExists(root), false);
  });

  // lpc and sata: override, unbind, probe; smbus (unbound): override, probe. Die before each in turn.
  for (let k = 1; k <= 8; k++) {
    it(`crash before sysfs write ${k} of a group bind, then restore: exact before-state`, async () => {
      const { sim, root, reopen } = await lab({ crashOnWrite: k });
      const before = await snapshot(root);
      await assert.rejects(assignGroups(sim, [b(LAB.lpc)], { probeActive, force: true }), (e: unknown) =>
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
      await assert.rejects(assignGroups(sim, [b(LAB.nicSpare)], { probeActive, journalPath: '/var/../etc/x.json' }), /"\.\." part/);
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

  describe('group members the host depends on, or nobody named (issue 11, gap 1)', () => {
    const refused = (pattern: RegExp, rule: string) => (e: unknown) =>
      e instanceof GuardError && e.refusals.some((r) => r.rule === rule) && pattern.test(e.message);

    it('binding only the SMBus controller is refused: its group holds 00:1f.2, under the root filesystem and /boot; nothing changed', async () => {
      const { sim, root } = await lab({ hostUse: true });
      const before = await snapshot(root);
      await assert.rejects(assignGroups(sim, [b(LAB.smbus)], { probeActive }), (e: unknown) =>
        refused(/0000:00:1f\.2 .*sda2 under dm-0 mounted at \/ \(the root filesystem\); sda1 mounted at \/boot/, 'host-depends')(e)
        && /--force/.test((e as GuardError).remedy ?? ''));
      assert.deepEqual(await snapshot(root), before);
      assert.equal(sim.writes.length, 0);
      assert.equal(await journalExists(root), false);
    });

    it('--force takes the root disk\'s controller anyway, and the plan says so (forced, never silent)', async () => {
      const { sim } = await lab({ hostUse: true });
      const { facts, active, dependencies } = await readAssignInputs(sim, [b(LAB.smbus)], probeActive);
      const plan = planAssignGroup([b(LAB.smbus)], facts, active, { dependencies, force: true });
      assert.deepEqual(plan.refusals, []);
      assert.deepEqual(plan.forced.map((f) => [f.bdf, f.rule]), [[LAB.lpc, 'host-depends'], [LAB.sata, 'host-depends']]);
    });

    it('the chipset\'s ISA/LPC bridge in the group (00:1f.0, same slot as the SMBus asked for) is refused unless forced; nothing changed', async () => {
      const { sim, root } = await lab();
      const before = await snapshot(root);
      await assert.rejects(assignGroups(sim, [b(LAB.smbus)], { probeActive }),
        refused(/0000:00:1f\.0 \(class 060100, on lpc_ich\) is one the host depends on: the chipset's ISA\/LPC bridge/, 'host-depends'));
      assert.deepEqual(await snapshot(root), before);
      assert.equal(sim.writes.length, 0);
      const forced = await assignGroups(sim, [b(LAB.smbus)], { probeActive, force: true });
      assert.deepEqual(forced.bound.map((x) => x.bdf), [LAB.lpc, LAB.sata, LAB.smbus]);
    });

    it('a member in another slot, not named, is listed and needs --with; with it, both are bound and restore is exact', async () => {
      const { sim, root } = await lab({ hostUse: true });
      const before = await snapshot(root);
      await assert.rejects(assignGroups(sim, [b(LAB.nicSpare)], { probeActive }), (e: unknown) =>
        refused(new RegExp(`${HOST_USE.nicPeer} \\(class 020000, on e1000\\) shares IOMMU group 3 with ${LAB.nicSpare} but was not named`), 'needs-consent')(e)
        && (e as GuardError).remedy!.includes(`--with ${HOST_USE.nicPeer}`));
      assert.equal(sim.writes.length, 0);
      // --force is not consent: naming a device is not the same as overriding a guard.
      await assert.rejects(assignGroups(sim, [b(LAB.nicSpare)], { probeActive, force: true }), refused(/not named/, 'needs-consent'));
      const r = await assignGroups(sim, [b(LAB.nicSpare)], { probeActive, with: [b(HOST_USE.nicPeer)] });
      assert.deepEqual(r.bound.map((x) => x.bdf), [LAB.nicSpare, HOST_USE.nicPeer]);
      await restoreFromJournal(sim);
      assert.deepEqual(await snapshot(root), before);
    });

    it('--with an address outside the named devices\' groups is refused', async () => {
      const { sim } = await lab({ hostUse: true });
      await assert.rejects(assignGroups(sim, [b(LAB.nicSpare)], { probeActive, with: [b(HOST_USE.nicPeer), b(HOST_USE.usb)] }),
        refused(new RegExp(`--with ${HOST_USE.usb} is not in the IOMMU group of any device named`), 'consent-unused'));
      assert.equal(sim.writes.length, 0);
    });

    for (const [what, bdf, pattern] of [
      ['a disk with the host\'s swap', HOST_USE.nvme, /nvme0n1p1 in use as swap/],
      ['the console\'s display (fb0, boot_vga)', HOST_USE.gpu, /the active console's display \(its framebuffer is fb0\); the active console's display \(boot_vga is 1\)/],
      ['a USB controller with a keyboard', HOST_USE.usb, /input device input3 \(Logitech USB Keyboard\)/],
    ] as const) {
      it(`${what} is refused even when named, unless --force`, async () => {
        const { sim, root } = await lab({ hostUse: true });
        const before = await snapshot(root);
        await assert.rejects(assignGroups(sim, [b(bdf)], { probeActive }), refused(pattern, 'host-depends'));
        assert.deepEqual(await snapshot(root), before);
        const forced = await assignGroups(sim, [b(bdf)], { probeActive, force: true });
        assert.deepEqual(forced.plan.forced.map((f) => f.bdf), [bdf]);
        await restoreFromJournal(sim);
        assert.deepEqual(await snapshot(root), before);
      });
    }
  });
});
