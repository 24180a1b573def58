import { PassbenchError } from '../errors.ts';
import type { Host } from '../host/host.ts';
import type { Bdf } from '../pci/bdf.ts';
import { bindWithDriverOverride } from '../pci/driver-ops.ts';
import { readTotalVfs, setNumVfs } from '../pci/sriov-ops.ts';
import { SysfsError, devicePath } from '../pci/sysfs-write.ts';
import { findActiveInterfaces } from '../pci/active-interfaces.ts';
import { AssignError, GuardError, VFIO_DRIVER } from './assign-group.ts';
import type { ActiveInterfaceProbe } from './assign-inputs.ts';
import { readDeviceFacts, type DeviceFacts } from './device-facts.ts';
import { checkNoActiveInterface, checkVfsRecreate, type Refusal } from './guards.ts';
import { DEFAULT_JOURNAL_PATH, Journal, type JournalStep } from './journal.ts';
import { undoSteps } from './undo.ts';

/**
 * Transaction: set a PF's VF count (journalled), optionally bind every VF to vfio-pci, then list
 * the VFs with their IOMMU groups. A VF sharing its group cannot be assigned alone: warned.
 */
export interface VfReport {
  bdf: Bdf;
  driver?: string;
  iommuGroup?: number;
  groupMembers: Bdf[];
}

export interface SriovResult {
  pf: Bdf;
  numVfs: number;
  /** The VFs were made by this call: they go (and what was set on them) when restore sets sriov_numvfs back. */
  created: boolean;
  vfs: VfReport[];
  warnings: string[];
  /** Refusals --force let through. */
  forced: Refusal[];
  journalPath: string;
}

export interface SriovOptions {
  bindVfio?: boolean;
  /** Change the VFs, or bind one, even when the host uses an interface on them (reported in `forced`). */
  force?: boolean;
  probeActive?: ActiveInterfaceProbe;
  journalPath?: string;
  timeoutMs?: number;
}

export async function configureVfs(host: Host, pf: Bdf, n: number, options: SriovOptions = {}): Promise<SriovResult> {
  // Every check before the journal is touched: bad input changes nothing.
  const total = await readTotalVfs(host, pf);
  if (!Number.isInteger(n) || n < 0 || n > total) {
    throw new SysfsError(pf, devicePath(pf, 'sriov_numvfs'), `a VF count from 0 to ${total} (sriov_totalvfs)`, String(n), {
      remedy: `Ask for at most ${total} VFs.`,
    });
  }
  const facts = await readDeviceFacts(host, pf);
  if (facts.driver === VFIO_DRIVER && n > 0) {
    throw new SysfsError(pf, devicePath(pf, 'driver'), 'the PF on its native driver', 'vfio-pci', {
      remedy: 'Restore the PF first (`passbench restore`); the native PF driver creates VFs.',
    });
  }
  const current = facts.numVfs ?? 0;
  const assigned = facts.vfs.filter((vf) => vf.driver === VFIO_DRIVER);
  if (current !== n && assigned.length > 0) {
    throw new PassbenchError(`${pf}: VFs ${assigned.map((v) => v.bdf).join(', ')} are on vfio-pci (maybe in a VM); changing sriov_numvfs would pull them away`, {
      remedy: 'Stop the VMs and run `passbench restore` first.',
    });
  }

  // The host's own traffic over the PF or a VF (the SSH session, the default route) is not cut.
  const vfFacts: DeviceFacts[] = [];
  for (const vf of facts.vfs) vfFacts.push(await readDeviceFacts(host, vf.bdf));
  const probe = options.probeActive ?? findActiveInterfaces;
  const used = [facts, ...vfFacts].some((f) => f.netInterfaces.length > 0) ? await probe(host) : [];
  const forced: Refusal[] = [];
  const guard = (found: Refusal[]) => {
    if (found.some((r) => !r.forcible || !options.force)) throw new GuardError(found);
    forced.push(...found);
  };
  guard(current !== n ? checkVfsRecreate(facts, current, n, vfFacts, used)
    : options.bindVfio ? vfFacts.flatMap((f) => checkNoActiveInterface(f, used)) : []);

  const journal = await Journal.open(host, options.journalPath ?? DEFAULT_JOURNAL_PATH);
  const begun: JournalStep[] = [];
  const track = (id: number) => begun.push(journal.steps.find((s) => s.id === id)!);
  let at: Bdf = pf;
  try {
    let vfs: Bdf[];
    if (current !== n) {
      const id = await journal.begin({ kind: 'numvfs', bdf: pf, before: { numVfs: current }, target: n });
      track(id);
      vfs = await setNumVfs(host, pf, n, { timeoutMs: options.timeoutMs });
      await journal.done(id);
    } else {
      vfs = facts.vfs.map((v) => v.bdf);
    }
    if (options.bindVfio) {
      const created = [];
      for (const vf of vfs) created.push(await readDeviceFacts(host, vf));
      // New VFs can be taken up by the host at once (NetworkManager, a DHCP client): asked again.
      if (current !== n && created.some((f) => f.netInterfaces.length > 0)) {
        const now = await probe(host);
        guard(created.flatMap((f) => checkNoActiveInterface(f, now)));
      }
      for (const f of created) {
        const vf = f.bdf;
        at = vf;
        if (f.driver === VFIO_DRIVER) continue;
        const id = await journal.begin({ kind: 'driver', bdf: vf, before: { driver: f.driver, override: f.override }, target: VFIO_DRIVER });
        track(id);
        const method = await bindWithDriverOverride(host, vf, VFIO_DRIVER, { timeoutMs: options.timeoutMs });
        await journal.done(id, { method });
      }
    }
    return { ...(await reportVfs(host, vfs)), pf, numVfs: n, created: current !== n, forced, journalPath: journal.path };
  } catch (error) {
    const action = at === pf ? `setting ${pf} sriov_numvfs to ${n}` : `binding VF ${at} to vfio-pci`;
    const undo = begun.length === 0 ? [] : await undoSteps(host, journal, begun, { timeoutMs: options.timeoutMs }).catch((e: unknown) => [
      { step: begun[0]!, result: 'failed' as const, error: `undo stopped: ${String(e)}`, cause: e },
    ]);
    // Refused after the VFs were made, and they were removed again: the host is as it was.
    if (error instanceof GuardError && undo.every((o) => o.result === 'undone' || o.result === 'gone')) throw error;
    throw new AssignError(at, error, undo, action);
  }
}

async function reportVfs(host: Host, vfs: Bdf[]): Promise<{ vfs: VfReport[]; warnings: string[] }> {
  const reports: VfReport[] = [];
  const warnings: string[] = [];
  for (const vf of vfs) {
    const f = await readDeviceFacts(host, vf);
    reports.push({ bdf: vf, driver: f.driver, iommuGroup: f.iommuGroup, groupMembers: f.groupMembers });
    if (f.groupMembers.length > 1) {
      warnings.push(`VF ${vf} shares IOMMU group ${f.iommuGroup} with ${f.groupMembers.filter((m) => m !== vf).join(', ')}: it can only be assigned together with them (no ACS isolation?)`);
    }
  }
  return { vfs: reports, warnings };
}
