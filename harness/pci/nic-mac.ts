import { PassbenchError } from '../errors.ts';
import type { Host } from '../host/host.ts';
import type { Bdf } from './bdf.ts';
import { listVfs } from './sriov-ops.ts';
import { readDirOptional, readOptional } from './sysfs-read.ts';
import { devicePath } from './sysfs-write.ts';
import { INTERFACE_NAME } from './interface-name.ts';

/**
 * The MAC a passthrough NIC shows inside its guest, known beforehand, so a guest image finds the
 * NIC by it whatever it names interfaces (a cloud-init seed's `match: macaddress`).
 */

const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;
/** /sys/class/net/IF/addr_assign_type: the address is the one in the NIC's NVM. */
const NET_ADDR_PERM = '0';

/**
 * A whole NIC's own MAC, from its NVM, read while the host's driver still has it (before the bind):
 * the guest's driver reads the same NVM. Undefined when the NIC has no interface, or the host set
 * another address on it (the permanent one is then not in sysfs).
 */
export async function permanentMac(host: Host, bdf: Bdf): Promise<string | undefined> {
  for (const iface of (await readDirOptional(host, devicePath(bdf, 'net'))).filter((n) => INTERFACE_NAME.test(n))) {
    if ((await readOptional(host, devicePath(bdf, `net/${iface}/addr_assign_type`)))?.trim() !== NET_ADDR_PERM) continue;
    const mac = (await readOptional(host, devicePath(bdf, `net/${iface}/address`)))?.trim().toLowerCase();
    if (mac !== undefined && MAC.test(mac)) return mac;
  }
  return undefined;
}

/**
 * Gives a VF its MAC through its PF (`ip link set dev PF vf N mac …`, as libvirt does for a VF it
 * assigns): the VF's driver in the guest takes that MAC (igbvf, ixgbevf, iavf), where it would
 * otherwise make up a random one ("MAC address not assigned by administrator"). A guest image can
 * then find its passthrough NIC by MAC, whatever it names interfaces. The MAC lives as long as the
 * VF: gone when sriov_numvfs goes back.
 */
export async function setVfMac(host: Host, pf: Bdf, vf: Bdf, mac: string): Promise<void> {
  if (!MAC.test(mac)) throw new PassbenchError(`VF ${vf}: ${JSON.stringify(mac)} is not a MAC address like 52:54:00:03:00:1f`);
  const index = (await listVfs(host, pf)).indexOf(vf);
  if (index < 0) throw new PassbenchError(`${vf} is not a VF of ${pf} (no virtfn link to it)`);
  const iface = (await readDirOptional(host, devicePath(pf, 'net'))).find((n) => INTERFACE_NAME.test(n));
  if (iface === undefined) {
    throw new PassbenchError(`PF ${pf} has no network interface to set VF ${vf}'s MAC through`, {
      remedy: `The PF must stay on its own driver (ls ${devicePath(pf, 'net')}).`,
    });
  }
  const set = await host.run(['ip', 'link', 'set', 'dev', iface, 'vf', String(index), 'mac', mac], { allowFailure: true });
  if (set.exitCode !== 0) {
    throw new PassbenchError(`VF ${vf} (vf ${index} of ${iface}): its MAC could not be set to ${mac}: ${(set.stderr || set.stdout).trim() || `ip exit ${set.exitCode}`}`);
  }
}
