import fs from 'node:fs/promises';
import type { Command } from 'commander';
import { ResultsError, UsageError } from '../../errors.ts';
import { writeReports } from '../../report/write-reports.ts';
import type { History } from '../../results/history.ts';
import { DEFAULT_RUNS_DIR, runDirFor } from '../../results/run-file-names.ts';
import { parseSide } from '../../results/compare-runs.ts';
import { DEFAULT_NIGHT_SETTINGS, type NightSettings } from '../../results/night-verdicts.ts';
import { isMetricPattern, parseThresholds } from '../../results/thresholds.ts';
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

interface ReportOptions { history?: string; runsDir: string; threshold: string[]; absolute: string[]; nights?: string; pin?: string; gate: string[]; json?: boolean }

/** The night verdict's settings from the options, each checked (a bad value is named, exit 2). */
function reportNightSettings(o: ReportOptions): Partial<NightSettings> {
  const settings: Partial<NightSettings> = { thresholds: parseThresholds(o.threshold, o.absolute) };
  if (o.nights !== undefined) {
    const n = Number(o.nights);
    if (!(Number.isInteger(n) && n >= 2 && n <= 100)) throw new UsageError(`--nights ${JSON.stringify(o.nights)}: expected a whole number of nights from 2 to 100`, { remedy: 'e.g. --nights 10' });
    settings.nights = n;
    settings.minNights = Math.min(DEFAULT_NIGHT_SETTINGS.minNights, n);
  }
  if (o.pin !== undefined) {
    const kind = parseSide(o.pin).kind;
    if (kind !== 'run' && kind !== 'selector') {
      throw new UsageError(`--pin ${JSON.stringify(o.pin)}: expected a run id in the history or a selector (kernel=6.1)`, { remedy: 'without --pin the night is judged against the last good nights' });
    }
    settings.pin = o.pin;
  }
  for (const g of o.gate) {
    if (!isMetricPattern(g)) throw new UsageError(`--gate ${JSON.stringify(g)}: expected a metric name or pattern, e.g. tcp.tx.throughput, latency.* or *.loss`);
  }
  if (o.gate.length > 0) settings.gate = o.gate;
  return settings;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('(Re)write a run\'s reports into its directory: report.html (charts), report.md, junit.xml, results.json')
    .argument('<run>', 'a run directory or a run id')
    .option('--history <location>', 'history for trends and the last-good comparison: a SQLite file or postgres://… URL')
    .option('--runs-dir <dir>', 'where run directories live', DEFAULT_RUNS_DIR)
    .option('--threshold <metric=pct>', 'regression threshold per metric (repeatable), as for compare', collect, [])
    .option('--absolute <metric=value>', 'absolute threshold in the metric\'s unit (repeatable), as for compare', collect, [])
    .option('--nights <n>', 'judge the night against the last N good nights (default 10)')
    .option('--pin <run-or-selector>', 'judge against this run\'s or selector\'s nights instead (e.g. kernel=6.1)')
    .option('--gate <metric>', 'a metric (or pattern) whose regression fails the night (repeatable; default all)', collect, [])
    .option('--json', 'machine-readable output')
    .addHelpText('after', `
The verdict section judges the night: each host × mode × guest × metric series of the run's scenario,
tonight's median against the last N good nights (a night that regressed is never one of them), or
against a pinned run or selector; false alarms are controlled across the night's metrics
(Benjamini–Hochberg, 5 %). A run.baseline / run.thresholds / run.gate in a scenario config apply to
passbench run; here the options above do.`)
    .action(async (target: string, options: ReportOptions) => {
      if (target.trim() === '') {
        throw new UsageError(`report needs a run, got ${JSON.stringify(target)}`, { remedy: 'give a run directory or a run id (passbench history lists them)' });
      }
      const night = reportNightSettings(options);
      const files = await withHistory(options, async (h) => writeReports(await resolveRunDir(target, h, options.runsDir), h, night));
      if (options.json) printJson(files);
      else printLine(Object.values(files).join('\n'));
    });
}
