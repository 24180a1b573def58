import assert from 'node:assert/strict';
import { buildSysfsTree } from '../../support/sysfs-tree.ts';

/** The builder's layout is a contract for the kernel simulation built on it: links as the kernel makes them. */
describe('test support: sysfs-tree builder', () => {
  it('creates kernel-style relative links both ways, and mutators replace them', async () => {
    const tree = await buildSysfsTree({
      devices: [
        { bdf: '0000:03:00.0', vendor: '8086', device: '10fb', driver: 'ixgbe', iommuGroup: 4, sriov: { totalVfs: 8, vfs: ['0000:03:10.0'] } },
        { bdf: '0000:03:10.0', vendor: '8086', device: '10ed', iommuGroup: 9 },
      ],
    });
    try {
      const host = tree.host();
      const dev = '/sys/bus/pci/devices/0000:03:00.0';
      assert.equal(await host.readLink(dev), '../../../devices/pci0000:00/0000:03:00.0');
      assert.equal(await host.readLink(`${dev}/driver`), '../../../bus/pci/drivers/ixgbe');
      assert.equal(await host.realPath('/sys/bus/pci/drivers/ixgbe/0000:03:00.0'), '/sys/devices/pci0000:00/0000:03:00.0');
      assert.equal(await host.realPath('/sys/kernel/iommu_groups/4/devices/0000:03:00.0'), '/sys/devices/pci0000:00/0000:03:00.0');
      assert.equal(await host.readLink(`${dev}/virtfn0`), '../0000:03:10.0');
      assert.equal(await host.readLink('/sys/devices/pci0000:00/0000:03:10.0/physfn'), '../0000:03:00.0');
      assert.equal(await host.readFile(`${dev}/driver_override`), '(null)\n');
      assert.equal(await host.readFile(`${dev}/class`), '0x020000\n');
      await tree.bindDriver('0000:03:00.0', 'vfio-pci');
      assert.equal(await host.exists('/sys/bus/pci/drivers/ixgbe/0000:03:00.0'), false);
      assert.equal(await host.readLink(`${dev}/driver`), '../../../bus/pci/drivers/vfio-pci');
      await tree.unbindDriver('0000:03:00.0');
      assert.equal(await host.exists(`${dev}/driver`), false);
      assert.equal(await host.exists('/sys/kernel/iommu_groups/9/devices/0000:03:10.0'), true);
      await tree.setVfs('0000:03:00.0', 8, []);
      assert.equal(await host.exists('/sys/kernel/iommu_groups/9/devices/0000:03:10.0'), false);
      assert.equal(await host.exists('/sys/bus/pci/devices/0000:03:10.0'), false);
      assert.equal(await host.readFile(`${dev}/sriov_numvfs`), '0\n');
      assert.equal(await host.exists(`${dev}/virtfn0`), false);
      assert.equal(await host.exists('/sys/devices/pci0000:00/0000:03:10.0'), false);
    } finally {
      await tree.cleanup();
    }
  });
});
