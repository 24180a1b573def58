import type { Command } from 'commander';
import { parseHistoryLocation } from '../../config/scenario-config.ts';
import { UsageError } from '../../errors.ts';
import { DEFAULT_HISTORY, openHistory, type History, type RunFilter, type RunRow } from '../../results/history.ts';
import { checkFilter } from '../../results/history/run-filter.ts';
import { importArchive, type ImportCounts, type ImportedRun, type ImportFailure } from '../../results/import-archive.ts';
import { findRunDirs } from '../../results/run-dirs.ts';
import type { Mode, RunMeta } from '../../results/schema.ts';
import { ExitCode } from '../exit-codes.ts';
import { formatFailure, formatSummary, importProgress } from '../import-progress.ts';
import { formatTable, printJson, printLine } from '../output.ts';

interface HistoryOptions {
  history?: string;
  host?: string;
  kernel?: string;
  qemu?: string;
  scenario?: string;
  mode?: string;
  metric?: string;
  status?: string;
  since?: string;
  limit: string;
  json?: boolean;
}

/** Where the history is, checked: --history, else $PASSBENCH_HISTORY, else the default (`given` false). */
export function historyLocation(options: { history?: string }): { location: string; given: boolean } {
  if (options.history !== undefined) return { location: parseHistoryLocation(options.history), given: true };
  const fromEnv = process.env.PASSBENCH_HISTORY;
  if (fromEnv !== undefined && fromEnv !== '') return { location: parseHistoryLocation(fromEnv, 'PASSBENCH_HISTORY'), given: true };
  return { location: DEFAULT_HISTORY, given: false };
}

/**
 * Opens the history for `work` and closes it after. Reading never creates anything: a history
 * named by --history or $PASSBENCH_HISTORY must exist; the default one, not written yet, reads
 * as empty. 'write-existing' (an acknowledgement) writes to a history that must already exist.
 */
export async function withHistory<T>(
  options: { history?: string },
  work: (h: History) => Promise<T>,
  access: 'read' | 'write' | 'write-existing' = 'read',
): Promise<T> {
  const { location, given } = historyLocation(options);
  const how = { read: { readOnly: true, emptyIfMissing: !given }, write: {}, 'write-existing': { mustExist: true } }[access];
  const history = await openHistory(location, how);
  try {
    return await work(history);
  } finally {
    await history.close();
  }
}

/** Far more runs than a history holds; a bound keeps the number one SQL accepts. */
const MAX_LIMIT = 1_000_000;

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!/^[0-9]+$/.test(value) || limit < 1 || limit > MAX_LIMIT) {
    throw new UsageError(`--limit ${JSON.stringify(value)}: expected a whole number from 1 to ${MAX_LIMIT}`, { remedy: 'e.g. --limit 20' });
  }
  return limit;
}

/** The filter the options ask for, checked before the history is opened. */
export function filterFromOptions(o: HistoryOptions): RunFilter {
  for (const key of ['host', 'kernel', 'qemu', 'scenario', 'metric'] as const) {
    const value = o[key];
    if (value !== undefined && value.trim() === '') {
      throw new UsageError(`--${key} ${JSON.stringify(value)}: expected a value to match, got an empty one`, {
        remedy: `Leave --${key} out to list runs of every ${key}.`,
      });
    }
  }
  return checkFilter({
    host: o.host, kernel: o.kernel, qemu: o.qemu, scenario: o.scenario, mode: o.mode as Mode | undefined,
    metric: o.metric, status: o.status as RunMeta['status'] | undefined, since: o.since, limit: parseLimit(o.limit),
  });
}

/**
 * `history import DIR --host lab1`: the list's filters mean nothing to an import; taking them
 * silently would hide a mistake. `what` says what the subcommand takes instead.
 */
export function refuseListFilters(history: Command, what = 'history import takes run directories'): void {
  const given = history.options.map((o) => o.attributeName())
    .filter((name) => name !== 'history' && name !== 'json' && history.getOptionValueSource(name) === 'cli');
  if (given.length > 0) {
    const shown = given.map((name) => `--${name} ${JSON.stringify(String(history.getOptionValue(name)))}`).join(', ');
    throw new UsageError(`${what} and --history only, got ${shown}`, {
      remedy: `Filters (--host, --kernel, --limit …) are for listing: passbench ${history.name()} --host lab1.`,
    });
  }
}

export function formatRunTable(runs: readonly RunRow[]): string {
  if (runs.length === 0) return 'no runs match';
  const rows = runs.map((r) => [
    r.runId,
    r.startedAt.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z'),
    r.status,
    r.scenario,
    r.hosts.map((h) => h.name).join(','),
    r.hosts.map((h) => h.kernel).join(','),
    r.hosts.map((h) => h.qemu).join(','),
    r.hosts.map((h) => h.accel).join(','),
    String(r.samples),
    r.failedChecks > 0 ? `${r.checks} (${r.failedChecks} failed)` : String(r.checks),
  ]);
  return formatTable(['RUN', 'STARTED', 'STATUS', 'SCENARIO', 'HOST', 'KERNEL', 'QEMU', 'ACCEL', 'SAMPLES', 'CHECKS'], rows);
}

export function registerHistoryCommand(program: Command): void {
  const history = program
    .command('history')
    .description('List the runs in the history (newest first), filtered; `history import DIR…` adds run directories or folders of them')
    .option('--history <location>', `history: a SQLite file or postgres://… URL (default $PASSBENCH_HISTORY, else ${DEFAULT_HISTORY})`)
    .option('--host <name>', 'runs on this lab host')
    .option('--kernel <version>', 'runs on this kernel (a prefix up to a dot or dash: 6.1 matches 6.1.0-27-amd64, not 6.12)')
    .option('--qemu <version>', 'runs with this QEMU version (prefix as for --kernel)')
    .option('--scenario <name>', 'runs of this scenario')
    .option('--mode <mode>', 'runs with samples of this mode (nic, vf, e1000, virtio)')
    .option('--metric <metric>', 'runs with samples of this metric (e.g. tcp.tx.throughput)')
    .option('--status <status>', 'runs with this status (running, passed, failed, aborted)')
    .option('--since <time>', 'runs started at or after this date/time')
    .option('--limit <n>', 'at most this many runs', '50')
    .option('--json', 'machine-readable output')
    .action(async (options: HistoryOptions) => {
      const filter = filterFromOptions(options);
      const runs = await withHistory(options, (h) => h.listRuns(filter));
      if (options.json) printJson(runs);
      else printLine(formatRunTable(runs));
    });

  history
    .command('import <dirs...>')
    .description('import run directories, or folders of them (a lab\'s archive), into the history; a run already there is skipped')
    .option('--json', 'machine-readable output: counts, each run and each failure')
    .addHelpText('after', `
Each DIR is a run directory (run.json, samples.jsonl, checks.jsonl) or a folder of run
directories (e.g. reports/runs), looked into one level deep. Runs are stored in batches of 100,
one transaction each.

A run already in the history with the same run.json is skipped (counted, not duplicated); one
stored while it was still running, or with another run.json, is replaced. A directory that is
not a run, or whose files do not parse, is named on stderr with what was expected, and the other
runs are still imported. A long import prints its progress on stderr (a line every 100 runs or
5 s when stderr is not a terminal).

--json: {history, total, imported, replaced, skipped, failed, seconds, runs: [{runId, dir, status,
outcome (imported, replaced, skipped)}], failures: [{dir, error, remedy}]}.

Exit codes: 0 every run directory imported or skipped, 4 some could not be (each is named), or
the history cannot be opened; 2 bad arguments.`)
    .action(async (dirs: string[], _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<{ history?: string; json?: boolean }>();
      refuseListFilters(command.parent!, 'history import takes run directories');
      const { location } = historyLocation(options);
      const progress = importProgress(process.stderr);
      const hooks = {
        onProgress: (c: ImportCounts) => progress.update(c),
        onFailure: (f: ImportFailure) => { progress.clear(); process.stderr.write(`${formatFailure(f)}\n`); },
      };
      const found = await findRunDirs(dirs);
      // Nothing to store: no history is opened, so none is created.
      const summary = found.dirs.length === 0
        ? await importArchive(undefined, found, hooks)
        : await withHistory(options, (h) => importArchive(h, found, hooks), 'write');
      progress.clear();
      for (const run of summary.runs) {
        for (const warning of run.warnings ?? []) process.stderr.write(`passbench: warning: ${warning}\n`);
      }
      if (options.json) {
        printJson({ history: location, ...summary, seconds: Number((summary.elapsedMs / 1000).toFixed(3)) });
      } else {
        const [only] = summary.runs;
        if (summary.runs.length === 1 && summary.failures.length === 0) printLine(formatOneRun(only!, location));
        printLine(formatSummary(summary, location));
      }
      process.exitCode = summary.failed > 0 ? ExitCode.unreadable : ExitCode.ok;
    });
}

function formatOneRun(run: ImportedRun, location: string): string {
  return run.outcome === 'skipped'
    ? `skipped run ${run.runId} (${run.status}): already in ${location} as it is`
    : `${run.outcome} run ${run.runId} (${run.status}) into ${location}`;
}
