import { PassbenchError } from '../errors.ts';
import type { Host } from '../host/host.ts';
import type { Bdf } from '../pci/bdf.ts';
import { devicePath, readDriver, readIommuGroupId } from '../pci/sysfs-write.ts';

/**
 * Who has a device's VFIO group open (a guest's QEMU, ours or anyone's). Unbinding a device from
 * vfio-pci while its group is open does not fail on a real kernel: the write blocks until the
 * holder lets go (vfio relays a "device request" to it, which a non-hotpluggable device ignores),
 * and restore would hang there. So restore asks first, and leaves a held device journalled.
 */
export class DeviceHeldError extends PassbenchError {}

/** Throws DeviceHeldError when the device is on vfio-pci and a process holds its group (or its vfio cdev). */
export async function checkNotHeld(host: Host, bdf: Bdf): Promise<void> {
  if ((await readDriver(host, bdf)) !== 'vfio-pci') return;
  const nodes = await vfioNodes(host, bdf);
  if (nodes.length === 0) return;
  const holders = await holdersOf(host, nodes);
  if (holders.length === 0) return;
  throw new DeviceHeldError(`${bdf} is in use: ${nodes.join(' / ')} held by ${holders.join(', ')}; unbinding it now would block until they let go`, {
    remedy: `Stop ${holders.length === 1 ? 'that process' : 'those processes'} (a guest still using the device), then run restore again.`,
  });
}

/**
 * The device files a user of the device has open: its group (/dev/vfio/N, QEMU's legacy
 * container), and its own cdev (/dev/vfio/devices/vfioX, with iommufd) when the kernel has one.
 */
async function vfioNodes(host: Host, bdf: Bdf): Promise<string[]> {
  const group = await readIommuGroupId(host, bdf);
  const nodes = group === undefined ? [] : [`/dev/vfio/${group}`];
  const cdevs = await host.readDir(devicePath(bdf, 'vfio-dev')).catch(() => [] as string[]);
  return [...nodes, ...cdevs.filter((c) => /^vfio\d+$/.test(c)).map((c) => `/dev/vfio/devices/${c}`)];
}

/**
 * "pid PID (comm)" of each process with one of `nodes` among its open files, by `find` over
 * /proc/PID/fd (one command, where reading each link over SFTP would be thousands of round
 * trips). A host where it cannot run answers none: the kernel is then the only judge, as before.
 */
export async function holdersOf(host: Host, nodes: readonly string[]): Promise<string[]> {
  const names = nodes.flatMap((n, i) => (i === 0 ? ['-lname', n] : ['-o', '-lname', n]));
  // Everything below /proc/X/ except fd/ is pruned: only the fd folders are read, not each
  // process's task/, net/, map_files/ (a busy host has thousands of them).
  const found = await host.run(['find', '/proc', '-maxdepth', '3', '(', '-path', '/proc/*/*', '!', '-path', '/proc/*/fd', '!', '-path', '/proc/*/fd/*', '-prune', ')',
    '-o', '(', ...names, ')', '-print'], { allowFailure: true, timeoutMs: 30_000 }).catch(() => undefined);
  const pids = [...new Set((found?.stdout ?? '').split('\n').flatMap((l) => /^\/proc\/(\d+)\/fd\/\d+$/.exec(l.trim())?.[1] ?? []))];
  const holders: string[] = [];
  for (const pid of pids) {
    const comm = (await host.readFile(`/proc/${pid}/comm`).catch(() => '?')).trim();
    holders.push(`pid ${pid} (${comm})`);
  }
  return holders;
}
