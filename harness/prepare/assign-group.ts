import { PassbenchError } from '../errors.ts';
import type { Host } from '../host/host.ts';
import type { Bdf } from '../pci/bdf.ts';
import { bindWithDriverOverride } from '../pci/driver-ops.ts';
import type { ActiveInterface } from '../pci/types.ts';
import type { HostDependencies } from '../pci/host-dependencies.ts';
import { isPciBridge } from '../pci/inventory.ts';
import { readAssignInputs, type ActiveInterfaceProbe } from './assign-inputs.ts';
import type { DeviceFacts } from './device-facts.ts';
import { checkConsent, checkConsentUsed, checkHostDependencies, checkIommu, checkNoActiveInterface, checkNotBridge, checkVfsNotInUse, type Refusal } from './guards.ts';
import { DEFAULT_JOURNAL_PATH, Journal, stepSubject, type DriverStep } from './journal.ts';
import { undoSteps, type UndoOutcome } from './undo.ts';
import { upInterfaces } from '../pci/link-state.ts';

/**
 * Transaction: bind each requested device and every member of its IOMMU group to vfio-pci.
 * 1. read facts  2. plan (pure; guards)  3. per device: journal → bind → mark done
 * 4. on a failure, undo what was begun in reverse and report both.
 */
export interface AssignStep {
  bdf: Bdf;
  before: { driver?: string; override?: string | null };
  /** Why it is in the plan: requested, or a member of a requested device's group. */
  reason: 'requested' | `group ${number}`;
}

export interface AssignPlan {
  steps: AssignStep[];
  /** Bridges left on their driver, devices already on vfio-pci. */
  skipped: { bdf: Bdf; kind: 'bridge' | 'on-vfio'; reason: string }[];
  refusals: Refusal[];
  /** Refusals --force let through (reported, never silent). */
  forced: Refusal[];
}

export const VFIO_DRIVER = 'vfio-pci';

/** Kept here too: scenario/ops and tests import it with the transaction. */
export type { ActiveInterfaceProbe } from './assign-inputs.ts';

export interface PlanOptions {
  /** Let forcible refusals through (interfaces and devices the host uses). */
  force?: boolean;
  /** Group members, not named and not functions of a named device, that may be taken too (--with). */
  with?: readonly Bdf[];
  /** What the host's storage, console and input sit on (harness/pci/host-dependencies). */
  dependencies?: HostDependencies;
}

/** Pure: expands groups, applies the guards, orders the binds (requested devices' groups in order). */
export function planAssignGroup(
  requested: readonly Bdf[],
  facts: ReadonlyMap<Bdf, DeviceFacts>,
  active: readonly ActiveInterface[],
  options: PlanOptions = {},
): AssignPlan {
  const plan: AssignPlan = { steps: [], skipped: [], refusals: [], forced: [] };
  const consent = options.with ?? [];
  const seen = new Set<Bdf>();
  for (const bdf of requested) {
    const dev = facts.get(bdf)!;
    const found = [...checkIommu(dev), ...checkNotBridge(dev)];
    plan.refusals.push(...found);
    if (found.length) continue;
    for (const member of dev.groupMembers) {
      const m = facts.get(member)!;
      if (seen.has(member)) continue;
      seen.add(member);
      if (isPciBridge(m)) { plan.skipped.push({ bdf: member, kind: 'bridge', reason: 'PCI bridge: stays on its driver (vfio allows bridges in a group)' }); continue; }
      const onVfio = m.driver === VFIO_DRIVER && (m.override === VFIO_DRIVER || m.override === null);
      const guards = [
        ...(onVfio ? [] : checkConsent(m, requested, consent, dev)),
        ...checkVfsNotInUse(m),
        ...checkNoActiveInterface(m, active),
        ...checkHostDependencies(m, options.dependencies ?? new Map()),
      ];
      for (const g of guards) (g.forcible && options.force ? plan.forced : plan.refusals).push(g);
      if (onVfio) {
        plan.skipped.push({ bdf: member, kind: 'on-vfio', reason: 'already on vfio-pci' });
        continue;
      }
      plan.steps.push({ bdf: member, before: { driver: m.driver, override: m.override }, reason: member === bdf ? 'requested' : `group ${dev.iommuGroup!}` });
    }
  }
  plan.refusals.push(...checkConsentUsed(consent, seen));
  return plan;
}

/** Each distinct remedy once, then the exact --with flags that would agree to the unnamed members. */
export function refusalRemedy(refusals: readonly Refusal[]): string {
  const unnamed = refusals.filter((r) => r.rule === 'needs-consent').map((r) => `--with ${r.bdf}`);
  const agree = unnamed.length ? [`To take the unnamed members too: ${unnamed.join(' ')}.`] : [];
  return [...new Set(refusals.map((r) => r.remedy)), ...agree].join(' ');
}

/** Refused by the guards; nothing was changed. */
export class GuardError extends PassbenchError {
  constructor(readonly refusals: Refusal[]) {
    super(`refused, nothing changed:\n${refusals.map((r) => `  - ${r.message}`).join('\n')}`, { remedy: refusalRemedy(refusals) });
  }
}

/** A bind failed; what was begun was undone (or the undo failures are listed). */
export class AssignError extends PassbenchError {
  constructor(readonly bdf: Bdf, cause: unknown, readonly undo: UndoOutcome[], action = `binding ${bdf} to vfio-pci`) {
    const failed = undo.filter((o) => o.result === 'failed');
    const undoText = failed.length === 0
      ? 'every device was put back'
      : `could not put back:\n${failed.map((o) => `  - ${stepSubject(o.step)}: ${o.result === 'failed' ? o.error : ''}`).join('\n')}`;
    super(`${action} failed: ${cause instanceof Error ? cause.message : String(cause)}\n${undoText}`, {
      cause,
      remedy: (cause as PassbenchError).remedy ?? (failed.length ? 'Run `passbench restore` after fixing the cause.' : undefined),
    });
  }
}

export interface AssignOptions {
  force?: boolean;
  /** Consent to take these unnamed group members too (--with). */
  with?: readonly Bdf[];
  journalPath?: string;
  probeActive?: ActiveInterfaceProbe;
  timeoutMs?: number;
}

export interface AssignResult {
  plan: AssignPlan;
  bound: { bdf: Bdf; method: string }[];
  journalPath: string;
}

/** Reads, plans, journals and binds. Throws GuardError (no change) or AssignError (rolled back). */
export async function assignGroups(host: Host, requested: readonly Bdf[], options: AssignOptions = {}): Promise<AssignResult> {
  const { facts, active, dependencies } = await readAssignInputs(host, requested, options.probeActive);
  const plan = planAssignGroup(requested, facts, active, { force: options.force, with: options.with, dependencies });
  if (plan.refusals.length) throw new GuardError(plan.refusals);

  const journal = await Journal.open(host, options.journalPath ?? DEFAULT_JOURNAL_PATH);
  const begun: DriverStep[] = [];
  const bound: AssignResult['bound'] = [];
  for (const step of plan.steps) {
    const up = await upInterfaces(host, step.bdf);
    const id = await journal.begin({ kind: 'driver', bdf: step.bdf, before: { ...step.before, ...(up.length ? { up } : {}) }, target: VFIO_DRIVER });
    begun.push(journal.steps.find((s) => s.id === id) as DriverStep);
    try {
      const method = await bindWithDriverOverride(host, step.bdf, VFIO_DRIVER, { timeoutMs: options.timeoutMs });
      await journal.done(id, { method });
      bound.push({ bdf: step.bdf, method });
    } catch (error) {
      throw new AssignError(step.bdf, error, await undoSteps(host, journal, begun, { timeoutMs: options.timeoutMs }).catch((e) => [
        { step: begun[0]!, result: 'failed' as const, error: `undo stopped: ${String(e)}`, cause: e },
      ]));
    }
  }
  return { plan, bound, journalPath: journal.path };
}
