import { PassbenchError } from '../errors.ts';
import type { Host } from '../host/host.ts';
import type { Bdf } from '../pci/bdf.ts';
import { readDriver, readIommuGroupId } from '../pci/sysfs-write.ts';

/**
 * Who has a device's VFIO group open (a guest's QEMU, ours or anyone's). Unbinding a device from
 * vfio-pci while its group is open does not fail on a real kernel: the write blocks until the
 * holder lets go (vfio relays a "device request" to it, which a non-hotpluggable device ignores),
 * and restore would hang there. So restore asks first, and leaves a held device journalled.
 */
export class DeviceHeldError extends PassbenchError {}

/** Throws DeviceHeldError when the device is on vfio-pci and a process holds its group. */
export async function checkNotHeld(host: Host, bdf: Bdf): Promise<void> {
  if ((await readDriver(host, bdf)) !== 'vfio-pci') return;
  const group = await readIommuGroupId(host, bdf);
  if (group === undefined) return;
  const holders = await vfioGroupHolders(host, group);
  if (holders.length === 0) return;
  throw new DeviceHeldError(`${bdf} is in use: /dev/vfio/${group} is held by ${holders.join(', ')}; unbinding it now would block until they let go`, {
    remedy: `Stop ${holders.length === 1 ? 'that process' : 'those processes'} (a guest still using the device), then run restore again.`,
  });
}

/**
 * "PID (comm)" of each process with /dev/vfio/GROUP among its open files, by `find` over
 * /proc/PID/fd (one command, where reading each link over SFTP would be thousands of round
 * trips). A host where it cannot run answers none: the kernel is then the only judge, as before.
 */
export async function vfioGroupHolders(host: Host, group: number): Promise<string[]> {
  // Everything below /proc/X/ except fd/ is pruned: only the fd folders are read, not each
  // process's task/, net/, map_files/ (a busy host has thousands of them).
  const found = await host.run(['find', '/proc', '-maxdepth', '3', '(', '-path', '/proc/*/*', '!', '-path', '/proc/*/fd', '!', '-path', '/proc/*/fd/*', '-prune', ')',
    '-o', '-lname', `/dev/vfio/${group}`, '-print'], { allowFailure: true, timeoutMs: 30_000 }).catch(() => undefined);
  const pids = [...new Set((found?.stdout ?? '').split('\n').flatMap((l) => /^\/proc\/(\d+)\/fd\/\d+$/.exec(l.trim())?.[1] ?? []))];
  const holders: string[] = [];
  for (const pid of pids) {
    const comm = (await host.readFile(`/proc/${pid}/comm`).catch(() => '?')).trim();
    holders.push(`pid ${pid} (${comm})`);
  }
  return holders;
}
