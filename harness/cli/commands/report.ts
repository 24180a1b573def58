import fs from 'node:fs/promises';
import type { Command } from 'commander';
import { ResultsError, UsageError } from '../../errors.ts';
import { writeReports } from '../../report/write-reports.ts';
import type { History } from '../../results/history.ts';
import { DEFAULT_RUNS_DIR, runDirFor } from '../../results/run-file-names.ts';
import { parseThresholds } from '../../results/thresholds.ts';
import { printJson, printLine } from '../output.ts';
import { withHistory } from './history.ts';

const isDirectory = (p: string): Promise<boolean> => fs.stat(p).then((s) => s.isDirectory(), () => false);

/** A run directory as given, or the directory of a run id: where the history saw it, else <runs-dir>/<id>. */
export async function resolveRunDir(target: string, history: History, runsDir: string): Promise<string> {
  if (await isDirectory(target)) return target;
  if (/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$/.test(target)) {
    const known = (await history.getRun(target))?.sourceDir;
    for (const dir of [known, runDirFor(target, runsDir)]) if (dir && (await isDirectory(dir))) return dir;
  }
  throw new ResultsError(`${JSON.stringify(target)} is neither a run directory nor the id of a run under ${runsDir} or in the history ${history.location}`, {
    remedy: 'give the run directory (it holds run.json), or a run id listed by passbench history',
  });
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('(Re)write a run\'s reports into its directory: report.html (charts), report.md, junit.xml, results.json')
    .argument('<run>', 'a run directory or a run id')
    .option('--history <location>', 'history for trends and the last-good comparison: a SQLite file or postgres://… URL')
    .option('--runs-dir <dir>', 'where run directories live', DEFAULT_RUNS_DIR)
    .option('--threshold <metric=pct>', 'regression threshold per metric (repeatable), as for compare', collect, [])
    .option('--json', 'machine-readable output')
    .action(async (target: string, options: { history?: string; runsDir: string; threshold: string[]; json?: boolean }) => {
      if (target.trim() === '') {
        throw new UsageError(`report needs a run, got ${JSON.stringify(target)}`, { remedy: 'give a run directory or a run id (passbench history lists them)' });
      }
      const thresholds = parseThresholds(options.threshold);
      const files = await withHistory(options, async (h) => writeReports(await resolveRunDir(target, h, options.runsDir), h, { thresholds }));
      if (options.json) printJson(files);
      else printLine(Object.values(files).join('\n'));
    });
}
