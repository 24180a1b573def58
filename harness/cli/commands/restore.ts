import type { Command } from 'commander';
import { DEFAULT_JOURNAL_PATH, checkJournalPath, type JournalStep } from '../../prepare/journal.ts';
import { restoreFromJournal, type RestoreResult } from '../../prepare/restore.ts';
import type { UndoOutcome } from '../../prepare/undo.ts';
import { ExitCode } from '../exit-codes.ts';
import { addHostOptions, openHost, type HostOptions } from '../host-option.ts';
import { printJson, printLine } from '../output.ts';

interface RestoreOptions extends HostOptions {
  journal: string;
  json?: boolean;
}

export function registerRestoreCommand(program: Command): void {
  addHostOptions(
    program
      .command('restore')
      .description('Put the host back as the journal found it (drivers, driver_override, VF counts); safe to run twice')
      .option('--journal <path>', 'journal file on the host', DEFAULT_JOURNAL_PATH)
      .option('--json', 'print the result as JSON'),
  ).action(async (options: RestoreOptions) => {
    const journalPath = checkJournalPath(options.journal);
    const host = await openHost(options);
    try {
      const result = await restoreFromJournal(host, { journalPath });
      if (options.json) {
        printJson({ ...result, outcomes: result.outcomes.map(toJsonOutcome) });
      } else printLine(formatRestoreResult(result));
      // Every step was tried; a failed one fails the command (and stays in the journal).
      if (result.failed > 0) process.exitCode = ExitCode.failed;
    } finally {
      await host.close();
    }
  });
}

function describeStep(step: JournalStep): string {
  if (step.kind === 'numvfs') return `${step.bdf}  sriov_numvfs ${step.target} -> ${step.before.numVfs}`;
  const override = step.before.override ? `, driver_override ${step.before.override}` : '';
  return `${step.bdf}  ${step.target} -> ${step.before.driver ?? 'no driver'}${override}${step.status === 'pending' ? '  (was in progress)' : ''}`;
}

export function formatRestoreResult(result: RestoreResult): string {
  if (!result.found) return `No journal at ${result.journalPath}: nothing to restore.`;
  const lines = result.outcomes.map((o) => {
    if (o.result === 'undone') return `  restored  ${describeStep(o.step)}`;
    if (o.result === 'gone') return `  gone      ${o.note}`;
    const remedy = (o.cause as { remedy?: string } | undefined)?.remedy;
    return `  FAILED    ${describeStep(o.step)}\n            ${o.error}${remedy ? `\n            what to do: ${remedy}` : ''}`;
  });
  lines.push(result.failed === 0
    ? `Restored; journal ${result.journalPath} removed.`
    : `${result.failed} step(s) failed and remain in ${result.journalPath}; fix the cause and run \`passbench restore\` again.`);
  return lines.join('\n');
}

/** An Error does not survive JSON.stringify: keep its message and remedy instead. */
function toJsonOutcome(o: UndoOutcome): object {
  if (o.result !== 'failed') return o;
  const { cause, ...rest } = o;
  return { ...rest, remedy: (cause as { remedy?: string } | undefined)?.remedy };
}
