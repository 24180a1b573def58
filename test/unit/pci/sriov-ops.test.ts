import assert from 'node:assert/strict';
import type { Bdf } from '../../../harness/pci/bdf.ts';
import { bindWithDriverOverride } from '../../../harness/pci/driver-ops.ts';
import { listVfs, setNumVfs } from '../../../harness/pci/sriov-ops.ts';
import { SysfsError } from '../../../harness/pci/sysfs-write.ts';
import { LAB, snapshot, useSimLabs } from '../../support/sim-kernel.ts';

const pf = LAB.pf as Bdf;

describe('pci/sriov-ops', () => {
  const lab = useSimLabs();

  it('creates VFs (virtfn links, own groups, igbvf) and removes them', async () => {
    const { sim, root } = await lab();
    const before = await snapshot(root);
    const vfs = await setNumVfs(sim, pf, 2);
    assert.deepEqual(vfs, ['0000:00:12.0', '0000:00:12.2']);
    const s = await snapshot(root);
    assert.equal(s.devices[pf]?.numVfs, 2);
    assert.deepEqual(s.devices['0000:00:12.0'], { driver: 'igbvf' });
    assert.notEqual(await sim.readLink('/sys/bus/pci/devices/0000:00:12.0/iommu_group'),
      await sim.readLink('/sys/bus/pci/devices/0000:00:12.2/iommu_group'));
    assert.deepEqual(await setNumVfs(sim, pf, 0), []);
    assert.deepEqual(await snapshot(root), before);
  });

  it('goes through 0 when changing one non-zero count to another (kernel EBUSY otherwise)', async () => {
    const { sim } = await lab();
    await setNumVfs(sim, pf, 2);
    await assert.rejects(sim.writeFile(`/sys/bus/pci/devices/${pf}/sriov_numvfs`, '3\n'), (e: unknown) => (e as { code?: string }).code === 'EBUSY');
    assert.equal((await setNumVfs(sim, pf, 3)).length, 3);
    assert.equal((await listVfs(sim, pf)).length, 3);
  });

  it('same count is a no-op', async () => {
    const { sim } = await lab();
    await setNumVfs(sim, pf, 2);
    const n = sim.writes.length;
    await setNumVfs(sim, pf, 2);
    assert.equal(sim.writes.length, n);
  });

  for (const bad of [8, -1, 1.5]) {
    it(`refuses ${bad} VFs (totalvfs 7) with no change`, async () => {
      const { sim, root } = await lab();
      const before = await snapshot(root);
      await assert.rejects(setNumVfs(sim, pf, bad), (e: unknown) =>
        e instanceof SysfsError && e.message.includes(pf) && e.message.includes('sriov_numvfs') && e.message.includes('0 to 7'));
      assert.deepEqual(await snapshot(root), before);
    });
  }

  it('refuses a device without SR-IOV and a PF on vfio-pci', async () => {
    const { sim } = await lab();
    await assert.rejects(setNumVfs(sim, LAB.nicSpare as Bdf, 1), /SR-IOV capable/);
    await bindWithDriverOverride(sim, pf, 'vfio-pci');
    await assert.rejects(setNumVfs(sim, pf, 1), /expected the PF on its native driver, found vfio-pci/);
  });

  it('a refused write (injected) surfaces with its errno and a remedy', async () => {
    const { sim } = await lab({ failures: [{ op: 'numvfs', code: 'EIO' }] });
    await assert.rejects(setNumVfs(sim, pf, 2), (e: unknown) => e instanceof SysfsError && e.code === 'EIO' && !!e.remedy);
  });
});
