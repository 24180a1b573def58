import os from 'node:os';
import { errorMessage } from '../errors.ts';
import type { Host } from '../host/host.ts';
import { LocalHost } from '../host/local-host.ts';
import type { Bdf } from '../pci/bdf.ts';
import { rebindOriginal } from '../pci/driver-ops.ts';
import { setNumVfs } from '../pci/sriov-ops.ts';
import { setInterfacesUp } from '../pci/link-state.ts';
import { devicePath, driverPath, errnoOf, writeAttr } from '../pci/sysfs-write.ts';
import type { FilesStep, Journal, JournalStep } from './journal.ts';
import { undoOrder, type Prerequisites } from './undo-order.ts';
import { stopJournalledQemu, type StopQemuOptions } from './stop-qemu.ts';
import { checkNotHeld } from './vfio-holders.ts';

/** How undoing one journal step went. `skipped`: a step it depends on was not undone. */
export type UndoOutcome =
  | { step: JournalStep; result: 'undone' }
  | { step: JournalStep; result: 'gone'; note: string }
  | { step: JournalStep; result: 'failed'; error: string; cause: unknown }
  | { step: JournalStep; result: 'skipped'; blockedBy: number[]; reason: string };

export interface UndoOptions {
  timeoutMs?: number;
  qemu?: StopQemuOptions;
  /** Where controller-side files are removed, and this controller's name. Default: this machine. */
  controller?: { host: Host; name: string };
}

/** Puts one step back to its `before` state, with repeatable primitives (safe twice). */
export async function undoStep(host: Host, step: JournalStep, options: UndoOptions = {}): Promise<UndoOutcome> {
  try {
    if (step.kind === 'qemu') {
      const stopped = await stopJournalledQemu(host, step, options.qemu);
      return stopped.stopped ? { step, result: 'undone' } : { step, result: 'gone', note: stopped.note };
    }
    if (step.kind === 'files') return await removeFiles(host, step, options);
    if (!(await host.exists(devicePath(step.bdf)))) {
      // A VF whose PF already dropped it has no state left to restore.
      return { step, result: 'gone', note: `${step.bdf} no longer exists; nothing to undo` };
    }
    if (step.kind === 'numvfs') {
      await setNumVfs(host, step.bdf, step.before.numVfs, { timeoutMs: options.timeoutMs });
    } else {
      const override = step.before.override ?? undefined;
      await checkNotHeld(host, step.bdf);
      await rebindOriginal(host, step.bdf, step.before.driver, override, { timeoutMs: options.timeoutMs });
      if (step.method === 'new_id') await removeDynamicId(host, step.bdf, step.target);
      if (step.before.up?.length) await setInterfacesUp(host, step.bdf, step.before.up, options.timeoutMs);
    }
    return { step, result: 'undone' };
  } catch (error) {
    return { step, result: 'failed', error: errorMessage(error), cause: error };
  }
}

/**
 * Undoes the given steps in dependency order (guests' QEMU first; a device's driver before its
 * PF's VF count), trying every step whose prerequisites were undone and skipping the others: VFs
 * a guest still holds are never taken away by sriov_numvfs=0. Drops what was undone (or was
 * already gone) from the journal; failed and skipped steps stay there for the next restore.
 */
export async function undoSteps(
  host: Host,
  journal: Journal,
  steps: readonly JournalStep[],
  options: UndoOptions = {},
): Promise<UndoOutcome[]> {
  const { order, prerequisites } = await undoOrder(host, steps);
  const outcomes = new Map<number, UndoOutcome>();
  for (const step of order) {
    const blockedBy = blockers(prerequisites, step.id, outcomes);
    outcomes.set(step.id, blockedBy.length
      ? { step, result: 'skipped', blockedBy, reason: `left as is: step ${blockedBy.join(', ')} it depends on was not undone` }
      : await undoStep(host, step, options));
  }
  const all = order.map((s) => outcomes.get(s.id)!);
  await journal.drop(all.filter((o) => o.result === 'undone' || o.result === 'gone').map((o) => o.step.id));
  return all;
}

function blockers(prerequisites: Prerequisites, id: number, outcomes: Map<number, UndoOutcome>): number[] {
  return [...(prerequisites.get(id) ?? [])].filter((p) => {
    const r = outcomes.get(p)?.result;
    return r === 'failed' || r === 'skipped';
  });
}

async function removeFiles(host: Host, step: FilesStep, options: UndoOptions): Promise<UndoOutcome> {
  if (step.where === 'host') {
    await host.remove(step.path);
    return { step, result: 'undone' };
  }
  const controller = options.controller ?? { host: new LocalHost(), name: os.hostname() };
  if (step.controller !== controller.name) {
    // Not this machine's to remove; the host itself is not affected by it.
    return { step, result: 'gone', note: `guest keys ${step.path} are on controller ${step.controller}: remove them there (rm -r ${step.path})` };
  }
  await controller.host.remove(step.path);
  return { step, result: 'undone' };
}

/** new_id added the ID for every device; take it back (ENODEV: already gone). */
async function removeDynamicId(host: Host, bdf: Bdf, driver: string): Promise<void> {
  const vendor = (await host.readFile(devicePath(bdf, 'vendor'))).trim().replace(/^0x/, '');
  const device = (await host.readFile(devicePath(bdf, 'device'))).trim().replace(/^0x/, '');
  try {
    await writeAttr(host, bdf, driverPath(driver, 'remove_id'), `${vendor} ${device}\n`, `Check dmesg for ${driver}.`);
  } catch (error) {
    if (errnoOf(error) !== 'ENODEV' && errnoOf(error) !== 'ENOENT') throw error;
  }
}
