import type { Host } from '../host/host.ts';
import { findActiveInterfaces } from './active-interfaces.ts';
import type { Bdf } from './bdf.ts';
import { isNetworkDevice, listPciDevices } from './inventory.ts';
import type { ActiveInterface, PciDevice } from './types.ts';

/** A device as `passbench devices` shows it: sysfs facts plus what makes it unsafe to take. */
export interface DeviceListing extends PciDevice {
  /** The other members of its IOMMU group (they go to the guest's host driver together). */
  groupPeers: Bdf[];
  /** Its interfaces that carry the host's traffic; empty when none or not checked. */
  active: ActiveInterface[];
  /** False when interfaces were not checked (a copied sysfs tree has no live network). */
  activeChecked: boolean;
}

export interface ListDevicesOptions {
  /** Every function, not only network controllers (class 02xx). */
  all?: boolean;
  /** Skip `ip` queries: for a copied sysfs tree, whose network is not this machine's. */
  skipActive?: boolean;
}

export async function listDevices(host: Host, options: ListDevicesOptions = {}): Promise<DeviceListing[]> {
  const every = await listPciDevices(host);
  const shown = options.all ? every : every.filter(isNetworkDevice);
  const active = options.skipActive ? [] : await findActiveInterfaces(host);
  const byName = new Map(active.map((a) => [a.name, a]));
  return shown.map((device) => ({
    ...device,
    groupPeers: peersOf(device, every),
    active: device.netInterfaces.flatMap((n) => (byName.has(n) ? [byName.get(n)!] : [])),
    activeChecked: !options.skipActive,
  }));
}

/** Group peers from the inventory itself (every member of a group is a PCI device in it). */
function peersOf(device: PciDevice, every: readonly PciDevice[]): Bdf[] {
  if (device.iommuGroup === undefined) return [];
  return every.filter((d) => d.iommuGroup === device.iommuGroup && d.bdf !== device.bdf).map((d) => d.bdf);
}
