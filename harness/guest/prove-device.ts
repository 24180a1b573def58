import type { Host } from '../host/host.ts';
import { PassbenchError } from '../errors.ts';
import { parseNicListing, type GuestNic } from './nic-listing.ts';

export interface DeviceExpectation {
  /** `8086:10ca` (lower-case hex). */
  vendorDevice: string;
  driver: string;
  /** `10.0.3.31/24`: must be on the interface. */
  address?: string;
}

export interface DeviceProof {
  iface: string;
  /** The guest's PCI address of the NIC (`0000:00:02.0`). */
  pciAddress: string;
  vendorDevice: string;
  driver: string;
  /**
   * The driver module's version; for an in-tree driver (no version of its own), the guest kernel's
   * release. Absent when the proof came from the console (consoleLinkState), not over SSH.
   */
  driverVersion?: string;
  /** `uname -r` in the guest; absent likewise. */
  guestKernel?: string;
  linkUp: boolean;
  operstate: string;
  /** The expected address when it is set, else the first IPv4 address. */
  address?: string;
  /** dmesg lines of the driver / interface (the "no link" evidence). */
  kernelMessages: string[];
  /** `lspci -n` inside the guest, as printed. */
  lspci: string;
}

/** The expected NIC is missing, on another driver, or without its address. */
export class DeviceProofError extends PassbenchError {}

/**
 * Everything proveDevice reads, in one round trip (busybox sh in passbench's guest, dash or bash in
 * others). Files are read with the shell's own `read` and links resolved with `cd -P`, not with
 * cat, readlink and basename: in a nested TCG guest each process a shell starts costs 0.15-0.3 s,
 * and the listing took ~3 s with one per value, ~2 s without (bench/README, 5 December).
 */
export const NIC_LISTING_SCRIPT = `read -r k </proc/sys/kernel/osrelease; echo "kernel $k"
for n in /sys/class/net/*; do
  [ -e "$n/device" ] || continue
  i=\${n##*/}; p=?; d=none; ver=-
  cd -P "$n/device" && p=\${PWD##*/}
  cd -P "$n/device/driver" 2>/dev/null && d=\${PWD##*/}
  cd /
  read -r v <"$n/device/vendor"; read -r dv <"$n/device/device"; read -r o <"$n/operstate"
  read -r c <"$n/carrier" 2>/dev/null || c=0
  [ -r "/sys/module/$d/version" ] && read -r ver <"/sys/module/$d/version"
  echo "nic $i $p $v:$dv $d $o $c $(ip -4 -o addr show dev "$i" | awk '{printf "%s,", $4}')"
  echo "version $i $ver"
done
echo "--lspci"; lspci -n 2>/dev/null
echo "--dmesg"; dmesg`;

/**
 * Proves from inside the guest that the expected NIC is there: vendor:device (sysfs), the bound
 * driver, link (carrier + operstate), the address. A NIC without link is returned with
 * linkUp=false and the kernel's messages: the caller reports "no link", never a pass.
 */
export async function proveDevice(guest: Host, expect: DeviceExpectation): Promise<DeviceProof> {
  const out = (await guest.run(['sh', '-c', NIC_LISTING_SCRIPT], { timeoutMs: 60_000 })).stdout;
  const { kernel, nics, lspci, dmesg } = parseNicListing(out);
  const nic = nics.find((n) => n.vendorDevice === expect.vendorDevice.toLowerCase());
  const found = nics.map(describe).join('; ') || 'no PCI network interfaces';
  if (!nic) throw new DeviceProofError(`no ${expect.vendorDevice} NIC in guest ${guest.name}; it has: ${found}`);
  if (nic.driver !== expect.driver) {
    throw new DeviceProofError(`${nic.iface} (${nic.vendorDevice}) in guest ${guest.name} is on driver ${nic.driver}, expected ${expect.driver}`);
  }
  if (expect.address !== undefined && !nic.addresses.includes(expect.address)) {
    throw new DeviceProofError(`${nic.iface} in guest ${guest.name} has ${nic.addresses.join(', ') || 'no IPv4 address'}, expected ${expect.address}`);
  }
  const kernelMessages = dmesg.filter((l) => l.includes(nic.iface) || l.includes(nic.pciAddress) || new RegExp(`\\b${nic.driver}\\b`).test(l));
  return {
    iface: nic.iface, pciAddress: nic.pciAddress, vendorDevice: nic.vendorDevice, driver: nic.driver,
    driverVersion: nic.driverVersion ?? kernel ?? 'unknown', guestKernel: kernel ?? 'unknown',
    linkUp: nic.carrier && nic.operstate === 'up', operstate: nic.operstate,
    address: expect.address ?? nic.addresses[0],
    kernelMessages, lspci,
  };
}

function describe(n: GuestNic): string {
  return `${n.iface} ${n.pciAddress} ${n.vendorDevice} driver=${n.driver} ${n.operstate} ${n.addresses.join(',')}`;
}

/**
 * What a report says about a proven device: a pass only with link; without link, exactly that,
 * with the guest kernel's messages about it (e.g. igbvf's "PF still in reset state").
 */
export function linkVerdict(p: DeviceProof): { ok: boolean; text: string } {
  const head = `${p.iface} ${p.vendorDevice} (${p.driver}, ${p.pciAddress})`;
  if (p.linkUp) return { ok: true, text: `${head}: link up, ${p.address ?? 'no address'}` };
  const messages = p.kernelMessages.slice(-5).map((m) => m.replace(/^\[\s*[\d.]+\]\s*/, '')).join(' | ');
  return { ok: false, text: `${head}: NO LINK (operstate ${p.operstate}); kernel: ${messages || '(no message from the driver)'}` };
}
