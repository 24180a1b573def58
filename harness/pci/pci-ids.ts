import type { Host } from '../host/host.ts';
import { readOptional } from './sysfs-read.ts';

/** Where distributions install the PCI ID database (Debian: pciutils/pci.ids; Fedora: hwdata). */
export const PCI_IDS_PATHS = ['/usr/share/misc/pci.ids', '/usr/share/hwdata/pci.ids', '/usr/share/pci.ids'];

/** Names from pci.ids: vendors, devices per vendor, classes and subclasses. */
export interface PciIds {
  vendor(vendorId: string): string | undefined;
  device(vendorId: string, deviceId: string): string | undefined;
  /** The subclass name when known (`Ethernet controller`), else the class name. */
  className(classCode: string): string | undefined;
}

/**
 * Parses pci.ids. Vendor lines are `vvvv  Name`, device lines one tab deeper, subsystem lines two
 * (ignored); after `C cc  Name` the indented lines are subclasses (and prog-ifs, ignored).
 */
export function parsePciIds(text: string): PciIds {
  const vendors = new Map<string, string>();
  const devices = new Map<string, string>();
  const classes = new Map<string, string>();
  let vendor: string | undefined;
  let klass: string | undefined;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    let m: RegExpExecArray | null;
    if ((m = /^C ([0-9a-f]{2})\s+(.*)$/.exec(line))) {
      klass = m[1]!;
      vendor = undefined;
      classes.set(klass, m[2]!);
    } else if ((m = /^([0-9a-f]{4})\s+(.*)$/.exec(line))) {
      vendor = m[1]!;
      klass = undefined;
      vendors.set(vendor, m[2]!);
    } else if ((m = /^\t([0-9a-f]{2,4})\s+(.*)$/.exec(line))) {
      if (vendor && m[1]!.length === 4) devices.set(`${vendor}:${m[1]}`, m[2]!);
      else if (klass && m[1]!.length === 2) classes.set(`${klass}${m[1]}`, m[2]!);
    }
  }
  return {
    vendor: (v) => vendors.get(v.toLowerCase()),
    device: (v, d) => devices.get(`${v.toLowerCase()}:${d.toLowerCase()}`),
    className: (c) => classes.get(c.slice(0, 4).toLowerCase()) ?? classes.get(c.slice(0, 2).toLowerCase()),
  };
}

const EMPTY: PciIds = { vendor: () => undefined, device: () => undefined, className: () => undefined };
const cache = new WeakMap<Host, Promise<PciIds>>();

/** The host's pci.ids, read once per host; no database means no names (never an error). */
export function loadPciIds(host: Host): Promise<PciIds> {
  let ids = cache.get(host);
  if (!ids) {
    ids = (async () => {
      for (const path of PCI_IDS_PATHS) {
        const text = await readOptional(host, path);
        if (text !== undefined) return parsePciIds(text);
      }
      return EMPTY;
    })();
    cache.set(host, ids);
  }
  return ids;
}
