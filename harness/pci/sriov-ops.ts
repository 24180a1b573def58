import path from 'node:path';
import type { Host } from '../host/host.ts';
import { isBdf, type Bdf } from './bdf.ts';
import {
  SysfsError, assertDeviceExists, devicePath, readDriver, readIntAttr, waitForSysfs, writeAttr,
} from './sysfs-write.ts';

/** SR-IOV primitives on one PF: read its VFs, set sriov_numvfs. Repeatable: same n is a no-op. */
export interface SetNumVfsOptions {
  /** How long to wait for the virtfnN links. Default 30 s (igb under TCG takes ~5 s for 2 VFs). */
  timeoutMs?: number;
}

/** The VFs that exist now, in virtfn order. */
export async function listVfs(host: Host, pf: Bdf): Promise<Bdf[]> {
  const entries = (await host.readDir(devicePath(pf))).filter((e) => /^virtfn\d+$/.test(e));
  entries.sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)));
  const vfs: Bdf[] = [];
  for (const entry of entries) {
    const target = path.posix.basename(await host.readLink(devicePath(pf, entry)));
    if (isBdf(target)) vfs.push(target);
  }
  return vfs;
}

export async function readTotalVfs(host: Host, pf: Bdf): Promise<number> {
  await assertDeviceExists(host, pf);
  const total = await readIntAttr(host, pf, 'sriov_totalvfs');
  if (total === undefined) {
    throw new SysfsError(pf, devicePath(pf, 'sriov_totalvfs'), 'an SR-IOV capable PF', 'no sriov_totalvfs', {
      remedy: 'Pick the PF of an SR-IOV NIC (`passbench devices` shows which ones are), and enable SR-IOV in firmware.',
    });
  }
  return total;
}

/** Sets sriov_numvfs to n (0 then n, as the kernel requires) and waits for the virtfn links. */
export async function setNumVfs(host: Host, pf: Bdf, n: number, options: SetNumVfsOptions = {}): Promise<Bdf[]> {
  const total = await readTotalVfs(host, pf);
  const numFile = devicePath(pf, 'sriov_numvfs');
  if (!Number.isInteger(n) || n < 0 || n > total) {
    throw new SysfsError(pf, numFile, `a VF count from 0 to ${total} (sriov_totalvfs)`, String(n), {
      remedy: `Ask for at most ${total} VFs.`,
    });
  }
  const driver = await readDriver(host, pf);
  if (n > 0 && driver === 'vfio-pci') {
    throw new SysfsError(pf, devicePath(pf, 'driver'), 'the PF on its native driver', 'vfio-pci', {
      remedy: 'Restore the PF first (`passbench restore`); VFs are created by the native PF driver.',
    });
  }
  const current = (await readIntAttr(host, pf, 'sriov_numvfs')) ?? 0;
  if (current === n) return listVfs(host, pf);
  // The kernel answers EBUSY to a change from one non-zero count to another.
  if (current !== 0) await writeAttr(host, pf, numFile, '0\n', 'Stop every VM that uses a VF of this PF, then retry.');
  if (n > 0) {
    await writeAttr(host, pf, numFile, `${n}\n`,
      `Check dmesg for the PF driver (${driver ?? 'none bound'}); the PF needs its native driver and its interface up.`);
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  let found = 0;
  return waitForSysfs(
    `${n} VFs of ${pf}`,
    async () => {
      const vfs = await listVfs(host, pf);
      found = vfs.length;
      return vfs.length === n ? vfs : undefined;
    },
    timeoutMs,
    () => new SysfsError(pf, `${devicePath(pf)}/virtfn*`, `${n} VF links`, `${found} after ${timeoutMs} ms`, {
      remedy: 'Check dmesg for the PF and VF drivers; firmware may need SR-IOV enabled.',
    }),
  );
}
