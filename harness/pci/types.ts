import type { Bdf } from './bdf.ts';

/** What sysfs says about one PCI function. Read by harness/pci/inventory; used by every layer above. */
export interface PciDevice {
  bdf: Bdf;
  /** Lower-case hex without 0x, as lspci -n prints them: `8086`, `10fb`. */
  vendorId: string;
  deviceId: string;
  /** Six hex digits: class, subclass, prog-if (`020000` = Ethernet). */
  classCode: string;
  subsystemVendorId?: string;
  subsystemDeviceId?: string;
  revision?: string;
  /** From pci.ids on the host, when it has the database. */
  vendorName?: string;
  deviceName?: string;
  className?: string;
  /** Bound driver, from the `driver` link; undefined when unbound. */
  driver?: string;
  /** Contents of driver_override; undefined when empty or absent (old kernels). */
  driverOverride?: string;
  /** Undefined when the IOMMU is off (no iommu_group link). */
  iommuGroup?: number;
  sriov?: SriovInfo;
  /** For a VF: its PF. */
  physfn?: Bdf;
  /** Network interfaces this function carries (the `net/` folder). */
  netInterfaces: string[];
}

export interface SriovInfo {
  totalVfs: number;
  numVfs: number;
  /** The VFs that exist now, in virtfn order. */
  vfs: Bdf[];
}

export interface IommuGroup {
  id: number;
  members: Bdf[];
}

/** Why an interface must not be taken from the host. */
export type ActiveReason =
  | { kind: 'default-route'; family: 'ipv4' | 'ipv6' }
  | { kind: 'address'; address: string }
  | { kind: 'ssh-session'; address: string }
  | { kind: 'member-of'; master: string; masterKind: 'bond' | 'bridge' | 'team' | 'other' }
  /** Below an upper (VLAN eth2.100, macvlan, ipvlan) that is itself in use: its traffic goes through here. */
  | { kind: 'lower-of'; upper: string; upperKind: string; because: ActiveReason[] };

export interface ActiveInterface {
  name: string;
  reasons: ActiveReason[];
}
