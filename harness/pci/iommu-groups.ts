import { UsageError } from '../errors.ts';
import type { Host } from '../host/host.ts';
import { type Bdf, isBdf } from './bdf.ts';
import { PCI_DEVICES_DIR } from './inventory.ts';
import { readDirOptional, readLinkName } from './sysfs-read.ts';
import type { IommuGroup } from './types.ts';

export const IOMMU_GROUPS_DIR = '/sys/kernel/iommu_groups';

/** The members of group `id`; a group the host does not have is a UsageError. */
export async function readIommuGroup(host: Host, id: number): Promise<IommuGroup> {
  const dir = `${IOMMU_GROUPS_DIR}/${id}/devices`;
  if (!Number.isInteger(id) || id < 0 || !(await host.exists(dir))) {
    throw new UsageError(`no IOMMU group ${id} on ${host.name} (${dir} does not exist)`, {
      remedy: 'Run `passbench devices --all` to see each device\'s group; no groups at all means the IOMMU is off (see `passbench doctor`).',
    });
  }
  const members = (await host.readDir(dir)).filter(isBdf).sort();
  return { id, members };
}

/** The group of one device, or undefined when it has none (IOMMU off). */
export async function groupOf(host: Host, bdf: Bdf): Promise<IommuGroup | undefined> {
  const name = await readLinkName(host, `${PCI_DEVICES_DIR}/${bdf}/iommu_group`);
  if (name === undefined || !/^\d+$/.test(name)) return undefined;
  return readIommuGroup(host, Number(name));
}

/** Every group, by number. An empty list means no IOMMU groups (IOMMU off or absent). */
export async function listIommuGroups(host: Host): Promise<IommuGroup[]> {
  const ids = (await readDirOptional(host, IOMMU_GROUPS_DIR)).filter((n) => /^\d+$/.test(n)).map(Number);
  const groups: IommuGroup[] = [];
  for (const id of ids.sort((a, b) => a - b)) groups.push(await readIommuGroup(host, id));
  return groups;
}
