import assert from 'node:assert/strict';
import { UsageError } from '../../../harness/errors.ts';
import type { Bdf } from '../../../harness/pci/bdf.ts';
import { groupOf, listIommuGroups, readIommuGroup } from '../../../harness/pci/iommu-groups.ts';
import { listPciDevices, readPciDevice } from '../../../harness/pci/inventory.ts';
import { parsePciIds } from '../../../harness/pci/pci-ids.ts';
import { buildSysfsTree, type SysfsTree } from '../../support/sysfs-tree.ts';
import { slowHost } from '../../support/slow-host.ts';

const PCI_IDS = `# test database
8086  Intel Corporation
\t10fb  82599ES 10-Gigabit SFI/SFP+ Network Connection
\t\t8086 0003  Ethernet Server Adapter X520-2
\t10ed  82599 Ethernet Controller Virtual Function
C 02  Network controller
\t00  Ethernet controller
\t\t00  plain
C 06  Bridge
\t04  PCI bridge
`;

const pf = '0000:03:00.0' as Bdf;
const vf0 = '0000:03:10.0' as Bdf;
const vf1 = '0000:03:10.2' as Bdf;
const bridge = '0000:00:1c.0' as Bdf;

describe('pci/inventory', () => {
  let tree: SysfsTree;
  before(async () => {
    tree = await buildSysfsTree({
      drivers: ['vfio-pci'],
      devices: [
        { bdf: bridge, vendor: '8086', device: 'a110', classCode: '060400', driver: 'pcieport', iommuGroup: 2 },
        { bdf: pf, vendor: '8086', device: '10fb', subsystemDevice: '0003', revision: '01', driver: 'ixgbe', iommuGroup: 2,
          net: ['enp3s0f0'], sriov: { totalVfs: 63, vfs: [vf0, vf1] } },
        { bdf: vf0, vendor: '8086', device: '10ed', driver: 'vfio-pci', driverOverride: 'vfio-pci', iommuGroup: 7 },
        { bdf: vf1, vendor: '8086', device: '10ed', iommuGroup: 8, noOverride: true },
      ],
    });
    await tree.writeFile('/usr/share/misc/pci.ids', PCI_IDS);
  });
  after(() => tree.cleanup());

  it('reads every field of a PF with VFs, names from pci.ids', async () => {
    assert.deepEqual(await readPciDevice(tree.host(), pf), {
      bdf: pf, vendorId: '8086', deviceId: '10fb', classCode: '020000', subsystemVendorId: '8086', subsystemDeviceId: '0003',
      revision: '01', vendorName: 'Intel Corporation', deviceName: '82599ES 10-Gigabit SFI/SFP+ Network Connection',
      className: 'Ethernet controller', driver: 'ixgbe', iommuGroup: 2,
      sriov: { totalVfs: 63, numVfs: 2, vfs: [vf0, vf1] }, netInterfaces: ['enp3s0f0'],
    });
  });

  it('reads a VF: physfn, override, and treats (null) / absent override and no driver as undefined', async () => {
    const host = tree.host();
    const a = await readPciDevice(host, vf0);
    assert.equal(a.physfn, pf);
    assert.equal(a.driver, 'vfio-pci');
    assert.equal(a.driverOverride, 'vfio-pci');
    const b = await readPciDevice(host, vf1);
    assert.equal(b.driver, undefined);
    assert.equal(b.driverOverride, undefined);
    assert.equal(b.sriov, undefined);
    assert.equal((await readPciDevice(host, pf)).driverOverride, undefined);
  });

  it('reads a device\'s attributes at once, not one round trip after another', async () => {
    // Over SSH each read is a round trip (45-140 ms to the virtual lab host): in sequence, ~1.5 s a device.
    const host = tree.host();
    const slow = slowHost(host, ['readFile', 'readLink', 'readDir', 'exists']);
    assert.deepEqual(await readPciDevice(slow.host, pf), await readPciDevice(host, pf));
    assert.ok(slow.mostInFlight() >= 12, `at most ${slow.mostInFlight()} reads in flight`);
  });

  it('lists devices in address order', async () => {
    assert.deepEqual((await listPciDevices(tree.host())).map((d) => d.bdf), [bridge, pf, vf0, vf1]);
  });

  it('rejects an unknown address with a UsageError naming it and the remedy', async () => {
    await assert.rejects(readPciDevice(tree.host(), '0000:09:00.0' as Bdf), (e: unknown) =>
      e instanceof UsageError && e.message.includes('0000:09:00.0') && (e.remedy ?? '').includes('passbench devices --all'));
  });

  it('reads IOMMU groups and the group of a device', async () => {
    const host = tree.host();
    assert.deepEqual(await readIommuGroup(host, 2), { id: 2, members: [bridge, pf] });
    assert.deepEqual(await groupOf(host, vf0), { id: 7, members: [vf0] });
    assert.deepEqual((await listIommuGroups(host)).map((g) => g.id), [2, 7, 8]);
    await assert.rejects(readIommuGroup(host, 99), UsageError);
  });

  it('has no group and no names when the IOMMU is off and pci.ids is missing', async () => {
    const bare = await buildSysfsTree({ devices: [{ bdf: pf, vendor: '8086', device: '10fb' }] });
    try {
      const d = await readPciDevice(bare.host(), pf);
      assert.equal(d.iommuGroup, undefined);
      assert.equal(d.vendorName, undefined);
      assert.equal(await groupOf(bare.host(), pf), undefined);
      assert.deepEqual(await listIommuGroups(bare.host()), []);
    } finally {
      await bare.cleanup();
    }
  });
});

describe('pci/pci-ids', () => {
  it('parses vendors, devices and classes, ignoring subsystems and prog-ifs', () => {
    const ids = parsePciIds(PCI_IDS);
    assert.equal(ids.vendor('8086'), 'Intel Corporation');
    assert.equal(ids.device('8086', '10ED'), '82599 Ethernet Controller Virtual Function');
    assert.equal(ids.device('8086', '0003'), undefined);
    assert.equal(ids.className('020000'), 'Ethernet controller');
    assert.equal(ids.className('060400'), 'PCI bridge');
    assert.equal(ids.className('028000'), 'Network controller');
  });
});
