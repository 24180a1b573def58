import { errorMessage } from '../errors.ts';
import type { Host } from '../host/host.ts';
import { rebindOriginal } from '../pci/driver-ops.ts';
import { setNumVfs } from '../pci/sriov-ops.ts';
import { devicePath, driverPath, errnoOf, writeAttr } from '../pci/sysfs-write.ts';
import type { Journal, JournalStep } from './journal.ts';

/** How undoing one journal step went. */
export type UndoOutcome =
  | { step: JournalStep; result: 'undone' }
  | { step: JournalStep; result: 'gone'; note: string }
  | { step: JournalStep; result: 'failed'; error: string; cause: unknown };

export interface UndoOptions {
  timeoutMs?: number;
}

/** Puts one step's device back to its `before` state, with repeatable primitives (safe twice). */
export async function undoStep(host: Host, step: JournalStep, options: UndoOptions = {}): Promise<UndoOutcome> {
  try {
    if (!(await host.exists(devicePath(step.bdf)))) {
      // A VF whose PF already dropped it has no state left to restore.
      return { step, result: 'gone', note: `${step.bdf} no longer exists; nothing to undo` };
    }
    if (step.kind === 'numvfs') {
      await setNumVfs(host, step.bdf, step.before.numVfs, { timeoutMs: options.timeoutMs });
    } else {
      const override = step.before.override ?? undefined;
      await rebindOriginal(host, step.bdf, step.before.driver, override, { timeoutMs: options.timeoutMs });
      if (step.method === 'new_id') await removeDynamicId(host, step.bdf, step.target);
    }
    return { step, result: 'undone' };
  } catch (error) {
    return { step, result: 'failed', error: errorMessage(error), cause: error };
  }
}

/** Undoes the given steps in reverse order, trying every one; drops the undone ones from the journal. */
export async function undoSteps(
  host: Host,
  journal: Journal,
  steps: readonly JournalStep[],
  options: UndoOptions = {},
): Promise<UndoOutcome[]> {
  const outcomes: UndoOutcome[] = [];
  for (const step of [...steps].reverse()) outcomes.push(await undoStep(host, step, options));
  await journal.drop(outcomes.filter((o) => o.result !== 'failed').map((o) => o.step.id));
  return outcomes;
}

/** new_id added the ID for every device; take it back (ENODEV: already gone). */
async function removeDynamicId(host: Host, bdf: JournalStep['bdf'], driver: string): Promise<void> {
  const vendor = (await host.readFile(devicePath(bdf, 'vendor'))).trim().replace(/^0x/, '');
  const device = (await host.readFile(devicePath(bdf, 'device'))).trim().replace(/^0x/, '');
  try {
    await writeAttr(host, bdf, driverPath(driver, 'remove_id'), `${vendor} ${device}\n`, `Check dmesg for ${driver}.`);
  } catch (error) {
    if (errnoOf(error) !== 'ENODEV' && errnoOf(error) !== 'ENOENT') throw error;
  }
}
