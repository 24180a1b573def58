import type { Bdf } from '../pci/bdf.ts';
import { describeReasons } from '../pci/active-interfaces.ts';
import { describeHostUse, type HostDependencies } from '../pci/host-dependencies.ts';
import type { ActiveInterface } from '../pci/types.ts';
import { isPciBridge } from '../pci/inventory.ts';
import type { DeviceFacts } from './device-facts.ts';

/**
 * Safety checks, pure: each returns the refusals it finds. `forcible` ones yield to --force
 * (taking an interface the host uses); the others never do.
 */
export interface Refusal {
  bdf: Bdf;
  rule: 'no-iommu' | 'bridge' | 'active-interface' | 'vfs-in-use' | 'needs-consent' | 'consent-unused' | 'host-depends';
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

/** Domain, bus and slot: the functions of one device share them (0000:00:1f.0 and 0000:00:1f.3). */
export function slotOf(bdf: Bdf): string {
  return bdf.slice(0, bdf.lastIndexOf('.'));
}

/**
 * A group member the user did not name, and that is not another function of a named device, is
 * taken only with consent (--with): binding 00:1f.3 (SMBus) must not quietly take 00:1f.2's disks
 * or another card's NIC. Not forcible: --force is about interfaces, not about naming devices.
 */
export function checkConsent(member: DeviceFacts, named: readonly Bdf[], consent: readonly Bdf[], groupOf: DeviceFacts): Refusal[] {
  if (named.includes(member.bdf) || consent.includes(member.bdf)) return [];
  if (named.some((n) => slotOf(n) === slotOf(member.bdf))) return [];
  return [{ bdf: member.bdf, rule: 'needs-consent', forcible: false,
    message: `${member.bdf} (class ${member.classCode}, ${member.driver ? `on ${member.driver}` : 'no driver'}) shares IOMMU group ${groupOf.iommuGroup} `
      + `with ${groupOf.bdf} but was not named: binding ${groupOf.bdf} would take it from the host too`,
    remedy: 'Check what each listed device does on this host; name each one you agree to give up with --with BDF (in a run config, '
      + '`with: [BDF]` on the device entry), or pick a device whose IOMMU group holds only it (see `passbench devices --all`).' }];
}

/** A --with address that is in none of the named devices' groups is a mistake worth saying. */
export function checkConsentUsed(consent: readonly Bdf[], members: ReadonlySet<Bdf>): Refusal[] {
  return consent.filter((c) => !members.has(c)).map((c) => ({ bdf: c, rule: 'consent-unused' as const, forcible: false,
    message: `--with ${c} is not in the IOMMU group of any device named, so it would not be bound`,
    remedy: 'Give --with only for the group members a refusal lists; `passbench doctor --device BDF` shows a group.' }));
}

/** The host's own storage, swap, console or keyboard sits behind this device. Forcible, loudly. */
export function checkHostDependencies(facts: DeviceFacts, dependencies: HostDependencies): Refusal[] {
  const uses = dependencies.get(facts.bdf) ?? [];
  if (uses.length === 0) return [];
  return [{ bdf: facts.bdf, rule: 'host-depends', forcible: true,
    message: `${facts.bdf} (class ${facts.classCode}${facts.driver ? `, on ${facts.driver}` : ''}) is one the host depends on: ${uses.map(describeHostUse).join('; ')}`,
    remedy: 'Leave it to the host (unmount, swapoff or move the console first if it must go); --force takes it anyway and may hang or break the host.' }];
}

/**
 * Changing sriov_numvfs removes every VF (and igb/ixgbe reset the PF): refused while the PF or one
 * of its VFs carries an interface the host uses, e.g. the SSH session over a VF. Forcible.
 */
export function checkVfsRecreate(pf: DeviceFacts, from: number, to: number, vfs: readonly DeviceFacts[], active: readonly ActiveInterface[]): Refusal[] {
  return [pf, ...vfs].flatMap((d) => checkNoActiveInterface(d, active)).map((r) => ({ ...r,
    message: `setting ${pf.bdf} sriov_numvfs from ${from} to ${to} removes its VFs and resets the PF, but ${r.message}`,
    remedy: `Move that traffic off ${pf.bdf} and its VFs first; --force changes the VFs anyway (you may lose this session).` }));
}
