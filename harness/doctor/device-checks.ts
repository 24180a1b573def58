import { refusalRemedy } from '../prepare/assign-group.ts';
import type { CheckResult } from './checks.ts';
import type { HostFacts } from './facts.ts';

/**
 * With --device: can its whole IOMMU group go to vfio-pci? The verdict is the plan `passbench bind`
 * would make (the same guards, the same --with), so doctor never passes what bind then refuses.
 */
export function checkDeviceGroup(f: HostFacts): CheckResult[] {
  const d = f.device;
  if (!d) return [];
  const title = `Checking IOMMU group of ${d.bdf}`;
  const { plan } = d;
  if (plan.refusals.length) {
    const where = d.group === undefined ? `${d.bdf} cannot be assigned` : `group ${d.group} cannot be assigned`;
    return [{ id: 'device-group', title, grade: 'FAIL', detail: `${where}: ${plan.refusals.map((r) => r.message).join('; ')}`,
      remedy: refusalRemedy(plan.refusals) }];
  }
  const members = d.members.map((m) => `${m.bdf}${m.driver ? ` (${m.driver})` : ''}`).join(', ');
  const bridges = plan.skipped.filter((s) => s.kind === 'bridge').map((s) => s.bdf);
  const note = bridges.length ? `; bridge ${bridges.join(', ')} stays on its driver` : '';
  return [{ id: 'device-group', title, grade: 'PASS', detail: `group ${d.group}: ${members}; every member can be bound to vfio-pci${note}` }];
}
