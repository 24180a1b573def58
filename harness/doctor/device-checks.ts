import { describeReasons } from '../pci/active-interfaces.ts';
import { isPciBridge } from '../pci/inventory.ts';
import type { CheckResult } from './checks.ts';
import type { HostFacts } from './facts.ts';

/** With --device: can its whole IOMMU group go to vfio-pci? Every member must be bindable. */
export function checkDeviceGroup(f: HostFacts): CheckResult[] {
  const d = f.device;
  if (!d) return [];
  const title = `Checking IOMMU group of ${d.bdf}`;
  if (d.group === undefined) {
    return [{ id: 'device-group', title, grade: 'FAIL', detail: `${d.bdf} has no IOMMU group (the IOMMU is off)`,
      remedy: 'Enable the IOMMU (see the IOMMU checks above).' }];
  }
  const problems: string[] = [];
  const bridges: string[] = [];
  for (const { device, active, vfsInUse } of d.members) {
    // Same rules as harness/prepare: the named device must not be a bridge; other bridges in the
    // group stay on their driver (vfio allows them), so they are noted, not refused.
    if (isPciBridge(device)) {
      if (device.bdf === d.bdf) problems.push(`${device.bdf} is a PCI bridge (class ${device.classCode}) and cannot be given to a guest`);
      else bridges.push(device.bdf);
    }
    for (const a of active) problems.push(`${device.bdf} carries ${a.name}, which is in use: ${describeReasons(a.reasons)}`);
    if (vfsInUse.length) {
      problems.push(`${device.bdf} is an SR-IOV PF with VFs in use (${vfsInUse.map((v) => `${v.bdf} on ${v.driver}`).join(', ')})`);
    }
  }
  const members = d.members.map((m) => `${m.device.bdf}${m.device.driver ? ` (${m.device.driver})` : ''}`).join(', ');
  if (problems.length === 0) {
    const note = bridges.length ? `; bridge ${bridges.join(', ')} stays on its driver` : '';
    return [{ id: 'device-group', title, grade: 'PASS', detail: `group ${d.group}: ${members}; every member can be bound to vfio-pci${note}` }];
  }
  return [{ id: 'device-group', title, grade: 'FAIL', detail: `group ${d.group} cannot be assigned: ${problems.join('; ')}`,
    remedy: 'Pick a device whose group holds no bridge and no interface the host uses (move the card to a slot with its own group, or move the host\'s traffic to another NIC).' }];
}
