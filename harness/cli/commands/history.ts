import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { DEFAULT_HISTORY, openHistory, type History, type RunFilter, type RunRow } from '../../results/history.ts';
import { readRunDir } from '../../results/run-reader.ts';
import type { Mode, RunMeta } from '../../results/schema.ts';
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

export function historyLocation(options: { history?: string }): string {
  return options.history ?? process.env.PASSBENCH_HISTORY ?? DEFAULT_HISTORY;
}

export async function withHistory<T>(options: { history?: string }, work: (h: History) => Promise<T>): Promise<T> {
  const history = await openHistory(historyLocation(options));
  try {
    return await work(history);
  } finally {
    await history.close();
  }
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!/^[0-9]+$/.test(value) || limit < 1) throw new UsageError(`--limit ${JSON.stringify(value)} is not a whole number above 0`);
  return limit;
}

export function filterFromOptions(o: HistoryOptions): RunFilter {
  return {
    host: o.host, kernel: o.kernel, qemu: o.qemu, scenario: o.scenario, mode: o.mode as Mode | undefined,
    metric: o.metric, status: o.status as RunMeta['status'] | undefined, since: o.since, limit: parseLimit(o.limit),
  };
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
    .description('List the runs in the history (newest first), filtered; `history import DIR` adds a run directory')
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
      const runs = await withHistory(options, (h) => h.listRuns(filterFromOptions(options)));
      if (options.json) printJson(runs);
      else printLine(formatRunTable(runs));
    });

  history
    .command('import <dir>')
    .description('import a run directory (run.json, samples.jsonl, checks.jsonl) into the history; a run id already there is replaced')
    .option('--json', 'machine-readable output')
    .action(async (dir: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<{ history?: string; json?: boolean }>();
      const data = await readRunDir(dir);
      await withHistory(options, (h) => h.importRunData({ ...data, dir: path.resolve(dir) }));
      for (const warning of data.warnings ?? []) process.stderr.write(`passbench: warning: ${warning}\n`);
      const { meta } = data;
      if (options.json) printJson({ runId: meta.runId, status: meta.status, history: historyLocation(options) });
      else printLine(`imported run ${meta.runId} (${meta.status}) into ${historyLocation(options)}`);
    });
}
