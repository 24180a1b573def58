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
  const attr = async (leaf: string) => stripHex(await readOptional(host, `${dir}/${leaf}`));
  const entries = readDirOptional(host, dir); // for the VFs (virtfnN) and a virtio NIC's netdev (virtioN/net)
  // Every read at once: over SSH each is a round trip (45-140 ms to the virtual lab host), and one
  // after another they took ~1.5 s a device.
  const [vendor, device, klass, subsystemVendorId, subsystemDeviceId, revision, override, driver, group, physfn, sriov, netInterfaces, ids] = await Promise.all([
    attr('vendor'), attr('device'), attr('class'), attr('subsystem_vendor'), attr('subsystem_device'), attr('revision'),
    readOptional(host, `${dir}/driver_override`), readLinkName(host, `${dir}/driver`), readLinkName(host, `${dir}/iommu_group`),
    readLinkName(host, `${dir}/physfn`), readSriov(host, dir, entries), readNetInterfaces(host, dir, entries), loadPciIds(host),
  ]);
  const vendorId = vendor ?? '';
  const deviceId = device ?? '';
  const classCode = (klass ?? '').padStart(6, '0');
  return dropUndefined<PciDevice>({
    bdf,
    vendorId,
    deviceId,
    classCode,
    subsystemVendorId,
    subsystemDeviceId,
    revision,
    vendorName: ids.vendor(vendorId),
    deviceName: ids.device(vendorId, deviceId),
    className: ids.className(classCode),
    driver,
    // The kernel prints "(null)" for an unset override; an empty file means the same.
    driverOverride: override && override !== '(null)' ? override : undefined,
    iommuGroup: group !== undefined && /^\d+$/.test(group) ? Number(group) : undefined,
    sriov,
    physfn: physfn !== undefined && isBdf(physfn) ? physfn : undefined,
    netInterfaces,
  });
}

async function readSriov(host: Host, dir: string, listing: Promise<string[]>): Promise<SriovInfo | undefined> {
  const [total, numVfs, entries] = await Promise.all([readOptional(host, `${dir}/sriov_totalvfs`), readOptional(host, `${dir}/sriov_numvfs`), listing]);
  if (total === undefined) return undefined;
  const virtfns = entries.flatMap((name) => {
    const m = /^virtfn(\d+)$/.exec(name);
    return m ? [{ index: Number(m[1]), name }] : [];
  });
  const vfs = await Promise.all(virtfns.map(async ({ index, name }) => [index, await readLinkName(host, `${dir}/${name}`)] as const));
  return {
    totalVfs: Number(total) || 0,
    numVfs: Number(numVfs) || 0,
    vfs: vfs.filter((e): e is readonly [number, Bdf] => e[1] !== undefined && isBdf(e[1])).sort((a, b) => a[0] - b[0]).map(([, vf]) => vf),
  };
}

/** Interfaces in `net/`, and in `virtioN/net/` for virtio NICs (their netdev hangs off the virtio device). */
async function readNetInterfaces(host: Host, dir: string, listing: Promise<string[]>): Promise<string[]> {
  const [own, entries] = await Promise.all([readDirOptional(host, `${dir}/net`), listing]);
  const virtio = await Promise.all(entries.filter((e) => /^virtio\d+$/.test(e)).map((e) => readDirOptional(host, `${dir}/${e}/net`)));
  return [...own, ...virtio.flat()].sort();
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
