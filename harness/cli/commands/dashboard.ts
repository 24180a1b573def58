import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { writeDashboard } from '../../report/write-dashboard.ts';
import { loadDashboard } from '../../results/dashboard-data.ts';
import { sinceTime } from '../../results/since-run.ts';
import { absoluteThresholdFor, thresholdFor } from '../../results/thresholds.ts';
import { printJson, printLine } from '../output.ts';
import { checkOptions as checkSeriesOptions, withSeriesOptions } from './changes.ts';
import { withHistory } from './history.ts';

export const DEFAULT_DASHBOARD_DIR = path.join('reports', 'dashboard');

interface DashboardOptions {
  history?: string;
  out: string;
  host?: string;
  mode?: string;
  metric?: string;
  since?: string;
  threshold: string[];
  absolute: string[];
  json?: boolean;
}

/** --out must be a folder, or not exist yet (it is made); a file there is a mistake, not something to overwrite. */
async function checkOut(out: string): Promise<void> {
  if (out.trim() === '') throw new UsageError('--out "": expected a folder to write the dashboard into', { remedy: `leave --out out for ${DEFAULT_DASHBOARD_DIR}` });
  const stat = await fs.stat(out).catch(() => undefined);
  if (stat !== undefined && !stat.isDirectory()) {
    throw new UsageError(`--out ${JSON.stringify(out)} is a file, not a folder: the dashboard is a folder (index.html and one page per host)`, {
      remedy: `give a folder (made if missing), e.g. --out ${DEFAULT_DASHBOARD_DIR}`,
    });
  }
}

export function registerDashboardCommand(program: Command): void {
  withSeriesOptions(program
    .command('dashboard')
    .description('Write a static site from the history: per host, a trend per mode × guest × metric with its change points and the nights kernel, QEMU or other run facts changed, each night linked to its report')
    .option('--history <location>', 'history: a SQLite file or postgres://… URL (default $PASSBENCH_HISTORY, else reports/history.sqlite)')
    .option('--out <dir>', 'folder to write index.html and the host pages into (made if missing; pages there are replaced)', DEFAULT_DASHBOARD_DIR))
    .option('--since <date|run>', 'only nights from this date/time or run on (the change search still uses every night)')
    .option('--json', 'machine-readable output: the files written')
    .addHelpText('after', `
What it shows: index.html lists the hosts (nights, series, changes by status) and every open
change; host-<name>.html has, per mode × guest × metric, the night values over the nights (one
point a run: the Hodges–Lehmann estimate of its repetitions, as passbench changes uses), the
change points passbench changes finds (solid lines: red open and for the worse, green open and
for the better, blue acknowledged, grey superseded) and the nights whose run facts differ from
the night before (dashed grey: kernel, QEMU, guest image, harness version, config hash, NIC
driver or firmware), then its change points and its nights as tables. Each night links to its
run's report.html, relative to --out, when the history recorded the run directory and the report
is there (passbench report RUN writes it); otherwise the page says which is missing.

Examples:
  passbench dashboard                                  # reports/history.sqlite → reports/dashboard/
  passbench dashboard --host lab1 --since 2026-11-01 --out /srv/www/passbench
  passbench dashboard --history postgres://lab@db/passbench --metric tcp.tx.throughput

Exit codes: 0 written, 2 bad arguments (an --out that is a file, an unknown --host, a --since that
is neither a date nor a run), 4 the history cannot be read or holds no series the options select.`)
    .action(async (options: DashboardOptions) => {
      const { filter, thresholds, since } = checkSeriesOptions(options);
      await checkOut(options.out);
      const data = await withHistory(options, async (h) => loadDashboard(h, {
        ...filter, since: since === undefined ? undefined : await sinceTime(h, since),
        threshold: (metric) => thresholdFor(thresholds, metric), absoluteThreshold: (metric) => absoluteThresholdFor(thresholds, metric),
      }));
      const files = await writeDashboard(data, options.out);
      if (options.json) printJson(files);
      else printLine(`wrote ${files.index} and ${Object.keys(files.hosts).length} host page(s) with ${files.charts} chart(s)`);
    });
}
