import type { Host } from '../host/host.ts';
import { readIommuGroup } from '../pci/iommu-groups.ts';
import { readLinkName } from '../pci/sysfs-read.ts';
import { PCI_DEVICES_DIR } from '../pci/inventory.ts';

/**
 * Turns what QEMU printed when it failed into words a person can act on. Today: vfio's
 * "group N is not viable" is explained with the group's members and the driver each is bound to
 * (every member must be on vfio-pci, or unbound, for the group to be usable).
 */
export async function explainQemuFailure(host: Host, output: string): Promise<string | undefined> {
  const m = /group (\d+) is not viable/.exec(output);
  if (!m) return undefined;
  const id = Number(m[1]);
  const group = await readIommuGroup(host, id).catch(() => undefined);
  if (!group) return `IOMMU group ${id} is not viable (its members could not be read on ${host.name})`;
  const members = await Promise.all(group.members.map(async (bdf) => {
    const driver = await readLinkName(host, `${PCI_DEVICES_DIR}/${bdf}/driver`).catch(() => undefined);
    return `${bdf} (${driver ?? 'no driver'})`;
  }));
  const offenders = members.filter((d) => !/\((vfio-pci|no driver)\)$/.test(d));
  return `IOMMU group ${id} is not viable: its members are ${members.join(', ')}; `
    + `${offenders.length > 0 ? `${offenders.join(', ')} must be bound to vfio-pci (or unbound) first` : 'all look free now (a race?)'}. `
    + 'Assign the whole group (passbench bind <BDF> binds every member).';
}

/** The last `n` lines of a text, for error messages. */
export function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}
