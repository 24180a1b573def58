import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Bdf } from '../../../harness/pci/bdf.ts';
import { AssignError, GuardError } from '../../../harness/prepare/assign-group.ts';
import { formatSriovResult } from '../../../harness/cli/commands/sriov.ts';
import { ipRunner, type NetShape } from '../../support/ip-answers.ts';
import { restoreFromJournal } from '../../../harness/prepare/restore.ts';
import { configureVfs } from '../../../harness/prepare/sriov.ts';
import { LAB, SimulatedCrash, snapshot, useSimLabs } from '../../support/sim-kernel.ts';

const JOURNAL = '/var/lib/passbench/journal.json';
const pf = LAB.pf as Bdf;

describe('prepare/sriov', () => {
  const lab = useSimLabs();
  const journalExists = (root: string) => fs.access(path.join(root, JOURNAL)).then(() => true, () => false);

  it('creates 2 VFs bound to vfio-pci, lists their groups; restore removes them exactly; twice', async () => {
    const { sim, root } = await lab();
    const before = await snapshot(root);
    const r = await configureVfs(sim, pf, 2, { bindVfio: true });
    assert.deepEqual(r.vfs.map((v) => [v.bdf, v.driver, v.groupMembers.length]), [['0000:00:12.0', 'vfio-pci', 1], ['0000:00:12.2', 'vfio-pci', 1]]);
    assert.deepEqual(r.warnings, []);
    assert.equal((await restoreFromJournal(sim)).failed, 0);
    assert.deepEqual(await snapshot(root), before);
    assert.equal((await restoreFromJournal(sim)).found, false);
    assert.deepEqual(await snapshot(root), before);
  });

  it('--vfs 0 removes VFs and restore brings the count back', async () => {
    const { sim, root } = await lab();
    await configureVfs(sim, pf, 3, { journalPath: '/tmp/other.json' }); // as the host was found
    const before = await snapshot(root);
    const r = await configureVfs(sim, pf, 0);
    assert.deepEqual(r.vfs, []);
    assert.equal((await snapshot(root)).devices[pf]?.numVfs, 0);
    await restoreFromJournal(sim);
    assert.deepEqual(await snapshot(root), before);
  });

  it('warns when a VF shares its IOMMU group', async () => {
    const { sim, tree } = await lab();
    await configureVfs(sim, pf, 2, { journalPath: '/tmp/j.json' });
    // Put the second VF into the first one's group, as a platform without ACS would.
    const vf0Group = Number(path.basename(await sim.readLink('/sys/bus/pci/devices/0000:00:12.0/iommu_group')));
    await tree.setGroup('0000:00:12.2', vf0Group);
    const r = await configureVfs(sim, pf, 2, { journalPath: '/tmp/j.json' });
    assert.equal(r.warnings.length, 2);
    assert.match(r.warnings[0]!, /0000:00:12\.0 shares IOMMU group/);
  });

  it('N above sriov_totalvfs: a clear error and no change, no journal', async () => {
    const { sim, root } = await lab();
    const before = await snapshot(root);
    await assert.rejects(configureVfs(sim, pf, 8), /0000:00:02\.0.*sriov_numvfs.*0 to 7.*found 8/);
    assert.deepEqual(await snapshot(root), before);
    assert.equal(await journalExists(root), false);
    assert.equal(sim.writes.length, 0);
  });

  it('a device without SR-IOV: a clear error and no change', async () => {
    const { sim, root } = await lab();
    const before = await snapshot(root);
    await assert.rejects(configureVfs(sim, LAB.nicSpare as Bdf, 1), /SR-IOV capable PF/);
    assert.deepEqual(await snapshot(root), before);
  });

  it('refuses to change the count while VFs are on vfio-pci', async () => {
    const { sim } = await lab();
    await configureVfs(sim, pf, 2, { bindVfio: true });
    await assert.rejects(configureVfs(sim, pf, 0), /are on vfio-pci/);
  });

  it('a refused sriov_numvfs write is rolled back and reported', async () => {
    const { sim, root } = await lab({ failures: [{ op: 'numvfs', code: 'EIO' }] });
    const before = await snapshot(root);
    await assert.rejects(configureVfs(sim, pf, 2), (e: unknown) => e instanceof AssignError && /sriov_numvfs to 2 failed/.test(e.message));
    assert.deepEqual(await snapshot(root), before);
    assert.equal(await journalExists(root), false);
  });

  // numvfs write, then 2 VFs × (override, unbind, probe).
  for (let k = 1; k <= 7; k++) {
    it(`crash before sysfs write ${k} of "2 VFs on vfio-pci", then restore: exact before-state`, async () => {
      const { sim, root, reopen } = await lab({ crashOnWrite: k });
      const before = await snapshot(root);
      await assert.rejects(configureVfs(sim, pf, 2, { bindVfio: true }), (e: unknown) =>
        e instanceof SimulatedCrash || (e instanceof AssignError && e.cause instanceof SimulatedCrash));
      const r = await restoreFromJournal(reopen());
      assert.equal(r.failed, 0, JSON.stringify(r.outcomes));
      assert.deepEqual(await snapshot(root), before);
    });
  }

  describe('the host\'s own traffic over the PF or a VF (issue 11, gap 7)', () => {
    // VF 0 (00:12.0) comes up as eth5; the host's session and default route run over it.
    const overVf0: NetShape = {
      v4Default: [{ dst: 'default', gateway: '10.2.0.1', dev: 'eth5' }],
      addrs: [{ ifname: 'eth5', addr_info: [{ local: '10.2.0.5', scope: 'global' }] }],
      links: [{ ifname: 'eth1' }, { ifname: 'eth5' }],
      sshConnection: '10.2.0.9 40022 10.2.0.5 22',
      routeGet: { '10.2.0.9': [{ dst: '10.2.0.9', dev: 'eth5' }] },
    };
    const vf0 = '0000:00:12.0';
    const refused = (pattern: RegExp) => (e: unknown) => e instanceof GuardError && pattern.test(e.message) && /--force/.test(e.remedy ?? '');

    async function hostOnVf0() {
      const l = await lab({ run: ipRunner(overVf0), vfInterfaces: ['eth5', 'eth6'] });
      await configureVfs(l.sim, pf, 2, { journalPath: '/tmp/as-found.json' }); // the host was found like this
      await l.sim.remove('/tmp/as-found.json');
      return { ...l, before: await snapshot(l.root), writes: l.sim.writes.length };
    }

    it('re-creating the VFs of a PF whose VF carries the SSH session and default route is refused; nothing changed', async () => {
      const { sim, root, before, writes } = await hostOnVf0();
      for (const n of [4, 0]) {
        await assert.rejects(configureVfs(sim, pf, n), refused(new RegExp(`setting ${pf} sriov_numvfs from 2 to ${n} removes its VFs and resets the PF, `
          + `but ${vf0} carries eth5, which the host uses \\(default route \\(ipv4\\), address 10\\.2\\.0\\.5, carries the SSH session from 10\\.2\\.0\\.9\\)`)));
      }
      assert.equal(sim.writes.length, writes);
      assert.deepEqual(await snapshot(root), before);
      assert.equal(await journalExists(root), false);
    });

    it('--bind-vfio does not take a VF the host uses', async () => {
      const { sim, root, before, writes } = await hostOnVf0();
      await assert.rejects(configureVfs(sim, pf, 2, { bindVfio: true }), refused(new RegExp(`${vf0} carries eth5, which the host uses`)));
      assert.equal(sim.writes.length, writes);
      assert.deepEqual(await snapshot(root), before);
    });

    it('a VF the host takes up as soon as it exists is not bound, and the new VFs are removed again', async () => {
      const { sim, root } = await lab({ run: ipRunner(overVf0), vfInterfaces: ['eth5', 'eth6'] });
      const before = await snapshot(root);
      await assert.rejects(configureVfs(sim, pf, 2, { bindVfio: true }), refused(new RegExp(`${vf0} carries eth5`)));
      assert.deepEqual(await snapshot(root), before);
    });

    it('a PF that carries the default route itself is refused too; --force goes on and says so', async () => {
      const { sim, root } = await lab({ run: ipRunner({ v4Default: [{ dst: 'default', dev: 'eth1' }], links: [{ ifname: 'eth1' }] }) });
      const before = await snapshot(root);
      await assert.rejects(configureVfs(sim, pf, 2), refused(new RegExp(`but ${pf} carries eth1, which the host uses \\(default route \\(ipv4\\)\\)`)));
      assert.deepEqual(await snapshot(root), before);
      const forced = await configureVfs(sim, pf, 2, { force: true });
      assert.equal(forced.numVfs, 2);
      assert.deepEqual(forced.forced.map((f) => f.bdf), [pf]);
      assert.match(formatSriovResult(forced), /warning \(--force\): setting 0000:00:02\.0 sriov_numvfs from 0 to 2/);
    });
  });
});
