/** One network interface with a PCI device, as the guest's sysfs shows it. */
export interface GuestNic {
  iface: string;
  pciAddress: string;
  vendorDevice: string;
  driver: string;
  operstate: string;
  carrier: boolean;
  addresses: string[];
  /** The driver module's own version (/sys/module/<driver>/version), when it has one; in-tree drivers have none. */
  driverVersion?: string;
}

/**
 * Pure: parses the output of NIC_LISTING_SCRIPT (prove-device.ts): `kernel <release>`, a `nic …`
 * line per interface and a `version <iface> <module version or ->` line after it.
 */
export function parseNicListing(text: string): { kernel?: string; nics: GuestNic[]; lspci: string; dmesg: string[] } {
  const [head = '', rest = ''] = text.split('\n--lspci\n');
  const [lspci = '', dmesg = ''] = rest.split('\n--dmesg\n');
  const nics: GuestNic[] = [];
  let kernel: string | undefined;
  for (const line of head.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'kernel' && f[1]) kernel = f[1];
    if (f[0] === 'version' && f[2] && f[2] !== '-') {
      const nic = nics.find((n) => n.iface === f[1]);
      if (nic) nic.driverVersion = f[2];
    }
    if (f[0] !== 'nic' || f.length < 7) continue;
    const [, iface = '', pciAddress = '', ids = '', driver = '', operstate = '', carrier = '', addrs = ''] = f;
    nics.push({
      iface, pciAddress,
      vendorDevice: ids.replace(/0x/g, '').toLowerCase(),
      driver, operstate, carrier: carrier === '1',
      addresses: addrs.split(',').filter(Boolean),
    });
  }
  return { ...(kernel ? { kernel } : {}), nics, lspci: lspci.trim(), dmesg: dmesg.split('\n').filter(Boolean) };
}
