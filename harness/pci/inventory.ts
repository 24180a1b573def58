import { UsageError } from '../errors.ts';
import type { Host } from '../host/host.ts';
import { type Bdf, isBdf } from './bdf.ts';
import { loadPciIds } from './pci-ids.ts';
import { readDirOptional, readLinkName, readOptional, stripHex } from './sysfs-read.ts';
import type { PciDevice, SriovInfo } from './types.ts';

export const PCI_DEVICES_DIR = '/sys/bus/pci/devices';

/** Every PCI function on the host, in address order. */
export async function listPciDevices(host: Host): Promise<PciDevice[]> {
  const names = await readDirOptional(host, PCI_DEVICES_DIR);
  const bdfs = names.filter(isBdf).sort();
  // All at once: over SSH each attribute is a round trip, and one device after another took 22 s
  // for the virtual lab host's 20-odd functions.
  return Promise.all(bdfs.map((bdf) => readPresentDevice(host, bdf)));
}

/** One function; an address the host does not have is a UsageError naming it. */
export async function readPciDevice(host: Host, bdf: Bdf): Promise<PciDevice> {
  if (!(await host.exists(`${PCI_DEVICES_DIR}/${bdf}`))) {
    throw new UsageError(`no PCI device ${bdf} on ${host.name} (${PCI_DEVICES_DIR}/${bdf} does not exist)`, {
      remedy: 'Run `passbench devices --all` to list the addresses this host has.',
    });
  }
  return readPresentDevice(host, bdf);
}

async function readPresentDevice(host: Host, bdf: Bdf): Promise<PciDevice> {
  const dir = `${PCI_DEVICES_DIR}/${bdf}`;
  const attr = (leaf: string) => readOptional(host, `${dir}/${leaf}`);
  const vendorId = stripHex(await attr('vendor')) ?? '';
  const deviceId = stripHex(await attr('device')) ?? '';
  const classCode = (stripHex(await attr('class')) ?? '').padStart(6, '0');
  const ids = await loadPciIds(host);
  const override = await attr('driver_override');
  const group = await readLinkName(host, `${dir}/iommu_group`);
  const physfn = await readLinkName(host, `${dir}/physfn`);
  const device: PciDevice = {
    bdf,
    vendorId,
    deviceId,
    classCode,
    subsystemVendorId: stripHex(await attr('subsystem_vendor')),
    subsystemDeviceId: stripHex(await attr('subsystem_device')),
    revision: stripHex(await attr('revision')),
    vendorName: ids.vendor(vendorId),
    deviceName: ids.device(vendorId, deviceId),
    className: ids.className(classCode),
    driver: await readLinkName(host, `${dir}/driver`),
    // The kernel prints "(null)" for an unset override; an empty file means the same.
    driverOverride: override && override !== '(null)' ? override : undefined,
    iommuGroup: group !== undefined && /^\d+$/.test(group) ? Number(group) : undefined,
    sriov: await readSriov(host, dir),
    physfn: physfn !== undefined && isBdf(physfn) ? physfn : undefined,
    netInterfaces: await readNetInterfaces(host, dir),
  };
  return dropUndefined(device);
}

async function readSriov(host: Host, dir: string): Promise<SriovInfo | undefined> {
  const total = await readOptional(host, `${dir}/sriov_totalvfs`);
  if (total === undefined) return undefined;
  const entries = await readDirOptional(host, dir);
  const indexed: [number, Bdf][] = [];
  for (const name of entries) {
    const m = /^virtfn(\d+)$/.exec(name);
    if (!m) continue;
    const vf = await readLinkName(host, `${dir}/${name}`);
    if (vf !== undefined && isBdf(vf)) indexed.push([Number(m[1]), vf]);
  }
  indexed.sort((a, b) => a[0] - b[0]);
  return {
    totalVfs: Number(total) || 0,
    numVfs: Number(await readOptional(host, `${dir}/sriov_numvfs`)) || 0,
    vfs: indexed.map(([, vf]) => vf),
  };
}

/** Interfaces in `net/`, and in `virtioN/net/` for virtio NICs (their netdev hangs off the virtio device). */
async function readNetInterfaces(host: Host, dir: string): Promise<string[]> {
  const names = await readDirOptional(host, `${dir}/net`);
  for (const entry of await readDirOptional(host, dir)) {
    if (/^virtio\d+$/.test(entry)) names.push(...(await readDirOptional(host, `${dir}/${entry}/net`)));
  }
  return names.sort();
}

/** Keeps JSON output and deep-equal tests free of `"x": undefined` noise. */
function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Class 02xx: network controllers. */
export function isNetworkDevice(device: PciDevice): boolean {
  return device.classCode.startsWith('02');
}

/** Class 0604: PCI-to-PCI bridge (cannot be given to a guest). */
export function isPciBridge(device: Pick<PciDevice, 'classCode'>): boolean {
  return device.classCode.startsWith('0604');
}
