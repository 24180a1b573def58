import path from 'node:path';
import type { Host } from '../host/host.ts';
import { isBdf, type Bdf } from '../pci/bdf.ts';
import { listVfs } from '../pci/sriov-ops.ts';
import { devicePath } from '../pci/sysfs-write.ts';
import type { JournalStep } from './journal-steps.ts';

/**
 * In which order restore undoes the journal, and what each step waits for (libvirt's
 * virhostdev order, reversed): every guest's QEMU is stopped first; then the rest newest first.
 * A step is skipped when one it depends on was not undone:
 * - a device's driver waits for the QEMU that holds it or a member of its IOMMU group;
 * - a PF's sriov_numvfs waits for the driver steps of its VFs and for the QEMU holding any of
 *   them (writing 0 under a guest that holds a VF blocks or yanks the device from the guest).
 * The host is read for the VFs and groups as they are now; what cannot be read adds no edge.
 */
export type Prerequisites = Map<number, Set<number>>;

export async function undoOrder(host: Host, steps: readonly JournalStep[]): Promise<{ order: JournalStep[]; prerequisites: Prerequisites }> {
  const newestFirst = [...steps].reverse();
  const qemus = newestFirst.filter((s) => s.kind === 'qemu');
  const order = [...qemus, ...newestFirst.filter((s) => s.kind !== 'qemu')];
  const prerequisites: Prerequisites = new Map();
  const add = (id: number, on: readonly JournalStep[]) => {
    if (on.length) prerequisites.set(id, new Set([...(prerequisites.get(id) ?? []), ...on.map((s) => s.id)]));
  };
  const holding = (bdfs: readonly Bdf[]) => qemus.filter((q) => q.kind === 'qemu' && q.devices.some((d) => bdfs.includes(d)));
  for (const step of steps) {
    if (step.kind === 'driver') {
      add(step.id, holding([step.bdf, ...(await groupMembers(host, step.bdf))]));
    } else if (step.kind === 'numvfs') {
      const vfs = await listVfs(host, step.bdf).catch(() => [] as Bdf[]);
      add(step.id, steps.filter((s) => s.kind === 'driver' && vfs.includes(s.bdf)));
      add(step.id, holding([step.bdf, ...vfs]));
    }
  }
  return { order, prerequisites };
}

async function groupMembers(host: Host, bdf: Bdf): Promise<Bdf[]> {
  try {
    const entries = await host.readDir(path.posix.join(devicePath(bdf), 'iommu_group', 'devices'));
    return entries.filter((e): e is Bdf => isBdf(e));
  } catch {
    return [];
  }
}
