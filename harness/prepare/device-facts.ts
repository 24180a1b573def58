import type { Host } from '../host/host.ts';
import { isBdf, type Bdf } from '../pci/bdf.ts';
import { listVfs } from '../pci/sriov-ops.ts';
import {
  assertDeviceExists, devicePath, readDriver, readIntAttr, readIommuGroupId, readOverride,
} from '../pci/sysfs-write.ts';

/**
 * What the transactions need to know about one device, read once before planning.
 * A private reader until harness/pci/inventory (readPciDevice, readIommuGroup) lands; then this
 * can map a PciDevice instead.
 */
export interface DeviceFacts {
  bdf: Bdf;
  driver?: string;
  /** null: the kernel has no driver_override. */
  override: string | undefined | null;
  classCode: string;
  iommuGroup?: number;
  groupMembers: Bdf[];
  netInterfaces: string[];
  numVfs?: number;
  vfs: { bdf: Bdf; driver?: string }[];
}

export async function readDeviceFacts(host: Host, bdf: Bdf): Promise<DeviceFacts> {
  await assertDeviceExists(host, bdf);
  const iommuGroup = await readIommuGroupId(host, bdf);
  const groupMembers = iommuGroup === undefined
    ? [bdf]
    : (await host.readDir(`/sys/kernel/iommu_groups/${iommuGroup}/devices`)).filter(isBdf);
  const netDir = devicePath(bdf, 'net');
  const numVfs = await readIntAttr(host, bdf, 'sriov_numvfs');
  const vfs = [];
  if (numVfs) for (const vf of await listVfs(host, bdf)) vfs.push({ bdf: vf, driver: await readDriver(host, vf) });
  return {
    bdf,
    driver: await readDriver(host, bdf),
    override: await readOverride(host, bdf),
    classCode: (await host.readFile(devicePath(bdf, 'class'))).trim().replace(/^0x/, ''),
    iommuGroup,
    groupMembers,
    netInterfaces: (await host.exists(netDir)) ? await host.readDir(netDir) : [],
    numVfs,
    vfs,
  };
}

/** PCI-to-PCI bridges (class 0604): vfio leaves them on pcieport, they never go to vfio-pci. */
export function isBridge(facts: Pick<DeviceFacts, 'classCode'>): boolean {
  return facts.classCode.startsWith('0604');
}
