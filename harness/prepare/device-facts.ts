import type { Host } from '../host/host.ts';
import type { Bdf } from '../pci/bdf.ts';
import { readPciDevice } from '../pci/inventory.ts';
import { groupOf } from '../pci/iommu-groups.ts';
import { devicePath, readDriver } from '../pci/sysfs-write.ts';

/**
 * What the transactions need to know about one device, read once before planning: the inventory's
 * PciDevice plus what it does not say (whether the kernel has driver_override at all, the group's
 * members, each VF's driver).
 */
export interface DeviceFacts {
  bdf: Bdf;
  driver?: string;
  /** null: the kernel has no driver_override (the new_id fallback will be used). */
  override: string | undefined | null;
  classCode: string;
  iommuGroup?: number;
  groupMembers: Bdf[];
  netInterfaces: string[];
  numVfs?: number;
  vfs: { bdf: Bdf; driver?: string }[];
}

/** Throws the inventory's UsageError for an address the host does not have. */
export async function readDeviceFacts(host: Host, bdf: Bdf): Promise<DeviceFacts> {
  const device = await readPciDevice(host, bdf);
  const group = await groupOf(host, bdf);
  const vfs = [];
  for (const vf of device.sriov?.vfs ?? []) vfs.push({ bdf: vf, driver: await readDriver(host, vf) });
  const overrideSupported = await host.exists(devicePath(bdf, 'driver_override'));
  return {
    bdf,
    driver: device.driver,
    override: overrideSupported ? device.driverOverride : null,
    classCode: device.classCode,
    iommuGroup: group?.id,
    groupMembers: group?.members ?? [bdf],
    netInterfaces: device.netInterfaces,
    numVfs: device.sriov?.numVfs,
    vfs,
  };
}
