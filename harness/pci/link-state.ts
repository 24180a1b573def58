import type { Host } from '../host/host.ts';
import type { Bdf } from './bdf.ts';
import { readDirOptional, readOptional } from './sysfs-read.ts';
import { devicePath } from './sysfs-write.ts';
import { INTERFACE_NAME } from './interface-name.ts';
import { fixedDeadline, waitUntil } from '../wait/index.ts';

/** IFF_UP in /sys/class/net/IF/flags: the interface is administratively up. */
const IFF_UP = 0x1;

/**
 * The device's network interfaces that are up: what a rebind to its own driver must bring back.
 * A NIC the host keeps up without an address (a bridge's future port, a VF's PF) comes back down
 * after unbind and bind, and its VFs then have no link ("PF still in reset state").
 */
export async function upInterfaces(host: Host, bdf: Bdf): Promise<string[]> {
  const up: string[] = [];
  for (const name of await readDirOptional(host, devicePath(bdf, 'net'))) {
    const flags = Number.parseInt((await readOptional(host, devicePath(bdf, `net/${name}/flags`)))?.trim() ?? '', 16);
    if (INTERFACE_NAME.test(name) && Number.isInteger(flags) && (flags & IFF_UP) !== 0) up.push(name);
  }
  return up;
}

/** A driver that probes asynchronously registers its interface a little after the bind returns. */
const APPEAR_MS = 10_000;

/**
 * After the rebind: every interface the device has now, up (the kernel may have named it anew).
 * `before` names what was up, for the error when none comes back.
 */
export async function setInterfacesUp(host: Host, bdf: Bdf, before: readonly string[], timeoutMs = APPEAR_MS): Promise<string[]> {
  const names = await waitUntil(`${bdf}'s network interface after its driver's bind`, async () => {
    const found = (await readDirOptional(host, devicePath(bdf, 'net'))).filter((n) => INTERFACE_NAME.test(n));
    return found.length ? found : undefined;
  }, { deadline: fixedDeadline(timeoutMs), intervalMs: 200, remedy: `Check dmesg for its driver; then bring it up by hand (ip link set dev ${before.join('/')} up).` });
  for (const name of names) await host.run(['ip', 'link', 'set', 'dev', name, 'up']);
  return names;
}
