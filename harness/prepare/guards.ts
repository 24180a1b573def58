import type { Bdf } from '../pci/bdf.ts';
import { describeReasons } from '../pci/active-interfaces.ts';
import type { ActiveInterface } from '../pci/types.ts';
import { isPciBridge } from '../pci/inventory.ts';
import type { DeviceFacts } from './device-facts.ts';

/**
 * Safety checks, pure: each returns the refusals it finds. `forcible` ones yield to --force
 * (taking an interface the host uses); the others never do.
 */
export interface Refusal {
  bdf: Bdf;
  rule: 'no-iommu' | 'bridge' | 'active-interface' | 'vfs-in-use';
  message: string;
  remedy: string;
  forcible: boolean;
}

export function checkIommu(facts: DeviceFacts): Refusal[] {
  if (facts.iommuGroup !== undefined) return [];
  return [{ bdf: facts.bdf, rule: 'no-iommu', forcible: false,
    message: `${facts.bdf} has no IOMMU group (expected /sys/bus/pci/devices/${facts.bdf}/iommu_group; found none)`,
    remedy: 'Enable VT-d/AMD-Vi in firmware and boot with intel_iommu=on iommu=pt; see `passbench doctor`.' }];
}

export function checkNotBridge(facts: DeviceFacts): Refusal[] {
  if (!isPciBridge(facts)) return [];
  return [{ bdf: facts.bdf, rule: 'bridge', forcible: false,
    message: `${facts.bdf} is a PCI bridge (class ${facts.classCode}); bridges are never assigned`,
    remedy: 'Name the device behind the bridge instead.' }];
}

export function checkNoActiveInterface(facts: DeviceFacts, active: readonly ActiveInterface[]): Refusal[] {
  return active
    .filter((a) => facts.netInterfaces.includes(a.name))
    .map((a) => ({ bdf: facts.bdf, rule: 'active-interface' as const, forcible: true,
      message: `${facts.bdf} carries ${a.name}, which the host uses (${describeReasons(a.reasons)})`,
      remedy: `Pick another device, or move that traffic off ${a.name} first; --force takes it anyway (you may lose this session).` }));
}

export function checkVfsNotInUse(facts: DeviceFacts): Refusal[] {
  const used = facts.vfs.filter((vf) => vf.driver !== undefined);
  if (used.length === 0) return [];
  return [{ bdf: facts.bdf, rule: 'vfs-in-use', forcible: false,
    message: `${facts.bdf} is an SR-IOV PF with VFs in use (${used.map((v) => `${v.bdf} on ${v.driver}`).join(', ')})`,
    remedy: `Remove its VFs first (\`passbench sriov ${facts.bdf} --vfs 0\` or \`passbench restore\`).` }];
}
