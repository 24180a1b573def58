import type { DeviceProof } from './prove-device.ts';

/**
 * The link state a guest last reported on its serial console (guest-init.sh prints
 * `passbench-guest: [t] nic IFACE driver=D pci=BDF id=0xVVVV:0xDDDD carrier=C operstate=S` at boot and
 * on every carrier change, each followed by `passbench-guest: [t] dmesg: …` lines of that driver).
 * For a NIC the harness cannot reach over SSH, e.g. a VF that lost its link: SSH goes through it.
 */
export function consoleLinkState(console: string, vendorDevice: string): DeviceProof | undefined {
  const [vendor, device] = vendorDevice.toLowerCase().split(':');
  const lines = console.split('\n');
  let last = -1;
  let m: RegExpExecArray | null = null;
  const re = /passbench-guest: \[[\d.]+\] nic (\S+) driver=(\S+) pci=(\S+) id=0x([0-9a-f]{4}):0x([0-9a-f]{4}) carrier=(\d) operstate=(\S+)/;
  lines.forEach((l, i) => {
    const hit = re.exec(l);
    if (hit && hit[4] === vendor && hit[5] === device) { last = i; m = hit; }
  });
  if (!m || last < 0) return undefined;
  const [, iface, driver, pciAddress, , , carrier, operstate] = m as RegExpExecArray;
  const kernelMessages: string[] = [];
  // Other programs (dropbear's log) write to the same console: skip their lines, stop at the next report.
  for (const l of lines.slice(last + 1)) {
    if (/passbench-guest: \[[\d.]+\] (nic |link change)/.test(l)) break;
    const d = /passbench-guest: \[[\d.]+\] dmesg: (.*)$/.exec(l);
    if (d) kernelMessages.push(d[1]!.trim());
  }
  return {
    iface: iface!, pciAddress: pciAddress!, vendorDevice: `${vendor}:${device}`, driver: driver!,
    linkUp: carrier === '1' && operstate === 'up', operstate: operstate!, kernelMessages, lspci: '',
  };
}
