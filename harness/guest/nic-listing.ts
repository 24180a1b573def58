/** One network interface with a PCI device, as the guest's sysfs shows it. */
export interface GuestNic {
  iface: string;
  pciAddress: string;
  vendorDevice: string;
  driver: string;
  operstate: string;
  carrier: boolean;
  addresses: string[];
}

/** Pure: parses the output of NIC_LISTING_SCRIPT (prove-device.ts). */
export function parseNicListing(text: string): { nics: GuestNic[]; lspci: string; dmesg: string[] } {
  const [head = '', rest = ''] = text.split('\n--lspci\n');
  const [lspci = '', dmesg = ''] = rest.split('\n--dmesg\n');
  const nics: GuestNic[] = [];
  for (const line of head.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] !== 'nic' || f.length < 7) continue;
    const [, iface = '', pciAddress = '', ids = '', driver = '', operstate = '', carrier = '', addrs = ''] = f;
    nics.push({
      iface, pciAddress,
      vendorDevice: ids.replace(/0x/g, '').toLowerCase(),
      driver, operstate, carrier: carrier === '1',
      addresses: addrs.split(',').filter(Boolean),
    });
  }
  return { nics, lspci: lspci.trim(), dmesg: dmesg.split('\n').filter(Boolean) };
}
