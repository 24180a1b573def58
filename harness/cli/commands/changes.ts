import type { Command } from 'commander';
import { ResultsError, UsageError } from '../../errors.ts';
import { acknowledgeChanges } from '../../results/acknowledge-change.ts';
import { formatChange, formatValue } from '../../measure/format-value.ts';
import { findChanges, openRegressions, type ChangeSearch, type OutlierNight, type SeriesChange } from '../../results/changes.ts';
import { checkFilter } from '../../results/history/run-filter.ts';
import type { Mode } from '../../results/schema.ts';
import { parseSince, sinceTime } from '../../results/since-run.ts';
import { absoluteThresholdFor, parseThresholds, thresholdFor } from '../../results/thresholds.ts';
import { ExitCode } from '../exit-codes.ts';
import { formatTable, printJson, printLine } from '../output.ts';
import { historyLocation, refuseListFilters, withHistory } from './history.ts';

interface ChangesOptions {
  host?: string;
  mode?: string;
  metric?: string;
  since?: string;
  threshold: string[];
  absolute: string[];
  history?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function formatChanged(c: SeriesChange): string {
  const entries = Object.entries(c.changed);
  return entries.length === 0 ? '–' : entries.map(([name, d]) => `${name} ${d.before} → ${d.after}`).join('; ');
}

function formatStatus(c: SeriesChange): string {
  if (c.status === 'acknowledged') return 'acknowledged';
  if (c.status === 'superseded') return `superseded by ${c.supersededBy}`;
  return c.regression ? 'OPEN (worse)' : 'open (better)';
}

function formatOutlier(o: OutlierNight): string {
  const size = o.change === undefined ? `from a level of ${formatValue(o.level, o.unit)}` : `${formatChange(o.change)} from the level ${formatValue(o.level, o.unit)}`;
  return `outlier night ${o.runId}: ${o.host} ${o.mode} ${o.guest} ${o.metric} ${formatValue(o.value, o.unit)} (${size}); `
    + 'the nights before and after are at the level: not a change';
}

export function formatChanges({ changes, outliers }: Pick<ChangeSearch, 'changes' | 'outliers'>): string {
  if (changes.length === 0 && outliers.length === 0) return 'no change points';
  const rows = changes.map((c) => [
    c.runId, c.previousRunId, c.host, c.mode, c.guest, c.metric,
    formatValue(c.before, c.unit), formatValue(c.after, c.unit), formatChange(c.change),
    c.ci ? `${formatChange(c.ci.low)} … ${formatChange(c.ci.high)}` : '–',
    c.pValue.toPrecision(2),
    formatStatus(c),
    formatChanged(c),
  ]);
  const count = (status: SeriesChange['status']) => changes.filter((c) => c.status === status).length;
  const lines = changes.length === 0 ? [] : [
    formatTable(['RUN', 'PREVIOUS', 'HOST', 'MODE', 'GUEST', 'METRIC', 'BEFORE', 'AFTER', 'CHANGE', '95% CI', 'P', 'STATUS', 'CHANGED'], rows),
    '',
  ];
  for (const c of changes) {
    if (c.acknowledgement) lines.push(`${c.runId} ${c.metric}: acknowledged by ${c.acknowledgement.by} (${c.acknowledgement.at}): ${c.acknowledgement.why}`);
  }
  for (const o of outliers) lines.push(formatOutlier(o));
  lines.push(`${changes.length} change(s): ${count('open')} open (${openRegressions(changes).length} for the worse), ${count('acknowledged')} acknowledged, ${count('superseded')} superseded`
    + (outliers.length > 0 ? `; ${outliers.length} outlier night(s)` : ''));
  return lines.join('\n');
}

/** The options, checked before the history is opened (the dashboard takes the same). */
export function checkOptions(o: Pick<ChangesOptions, 'host' | 'mode' | 'metric' | 'since' | 'threshold' | 'absolute'>) {
  for (const key of ['host', 'metric'] as const) {
    const value = o[key];
    if (value !== undefined && value.trim() === '') throw new UsageError(`--${key} "": expected a value to match`, { remedy: `leave --${key} out for every ${key}` });
  }
  const filter = checkFilter({ host: o.host, mode: o.mode as Mode | undefined, metric: o.metric });
  const thresholds = parseThresholds(o.threshold, o.absolute);
  return { filter, thresholds, since: o.since === undefined ? undefined : parseSince(o.since) };
}

function requireText(name: string, value: string | undefined): string {
  if (value === undefined || value.trim() === '') {
    throw new UsageError(`changes ack needs --${name} with a non-empty value`, { remedy: 'e.g. passbench changes ack RUN tcp.tx.throughput --by alice --why "kernel 6.12: expected, see LKML thread"' });
  }
  return value.trim();
}

/**
 * The series filters and the thresholds of what matters, as `changes` and `dashboard` both take
 * them (checked by checkOptions).
 */
export function withSeriesOptions(command: Command): Command {
  return command
    .option('--host <name>', 'series of this lab host')
    .option('--mode <mode>', 'series of this mode (nic, vf, e1000, virtio)')
    .option('--metric <metric>', 'series of this metric (e.g. tcp.tx.throughput)')
    .option('--threshold <metric=pct>', 'smallest change that matters, per metric (repeatable; latency.*=10; a bare number sets the default, 5)', collect, [])
    .option('--absolute <metric=value>', 'smallest change that matters in the metric\'s unit, for metrics near 0 (repeatable; *.loss=0.5)', collect, []);
}

export function registerChangesCommand(program: Command): void {
  const changes = withSeriesOptions(program
    .command('changes')
    .description('Change points over the history, per host × mode × guest × metric (one point a run: its night value, the Hodges–Lehmann estimate of its repetitions); exit 1 while a change for the worse is open')
    .option('--history <location>', 'history: a SQLite file or postgres://… URL (default $PASSBENCH_HISTORY, else reports/history.sqlite)'))
    .option('--since <date|run>', 'changes whose first run started at or after this date/time or run (every night still counts in the search)')
    .option('--json', 'machine-readable output: an array of changes')
    .addHelpText('after', `
Method: E-divisive means with a permutation test (distance exponent 1.9, level 0.006, 999
permutations, seeded) over each series; a series longer than 100 runs is searched as the medians
of blocks of ⌈runs / 100⌉ runs, each change then placed on its run. A change is listed when its
95 % bootstrap interval reaches the change that matters on the side it moved to. Each names the
first run after it (RUN), the run before (PREVIOUS), the relative change (after − before) / |before|
with its CI, the p-value, its status and the run metadata that differs between the two runs
(kernel, qemu, guestImage, harnessVersion, configHash, nicDriver, nicFirmware …). The change that
matters is max(threshold · |level|, absolute threshold), as in the night verdict; absolute
thresholds by default: *.loss 0.5 (percentage points), *.retransmits 10, *.jitter 0.0001 s.

Status: open until acknowledged (passbench changes ack RUN METRIC… --by WHO --why TEXT) or
superseded: a later change of the same series brings the level back to within the change that
matters of the level before the change, or past it (a −10 % drop undone by the next kernel is
"superseded by" that kernel's first run; −10 % and then −5 % more is not). Acknowledged wins
over superseded. An acknowledged change also moves the night verdict's baseline (passbench run,
report): later nights of its series are judged only against nights at or after its first run,
and say "no baseline yet since the acknowledged change of RUN" until there are 5 of them.
One night far off while the nights before and after it are at one level is an outlier night: it
is named once below the table and is not a change (not in --json, not in the exit code).

False alarms: each series is tested at level 0.006, so of S series that did not change about
0.006·S show a change point (0.5 for 90 series), fewer a material one; there is no correction
across series (Benjamini–Hochberg cannot reject with p-values of at least 0.001).

--json: an array of changes: host, mode, guest, metric, unit, direction, runId, previousRunId,
startedAt, before, after, change, ci, pValue, regression, status (open, acknowledged,
superseded), acknowledgement, supersededBy, changed ({kernel: {before, after}, …}).

Exit codes: 0 no open change for the worse (open improvements, acknowledged and superseded
changes do not fail), 1 at least one open change for the worse, 2 bad arguments (a --since that
is neither a date nor a run in the history), 4 the history cannot be read or holds no series the
options select.`)
    .action(async (options: ChangesOptions) => {
      const { filter, thresholds, since } = checkOptions(options);
      const found = await withHistory(options, async (h) => findChanges(h, {
        ...filter, since: since === undefined ? undefined : await sinceTime(h, since),
        threshold: (metric) => thresholdFor(thresholds, metric), absoluteThreshold: (metric) => absoluteThresholdFor(thresholds, metric),
      }));
      if (found.series === 0) {
        throw new ResultsError(`the history ${historyLocation(options).location} holds no series${options.host || options.mode || options.metric ? ' these options select' : ''}`, {
          remedy: 'import runs first (passbench history import RUN_DIR), or check --host, --mode and --metric against passbench history',
        });
      }
      if (options.json) printJson(found.changes);
      else printLine(formatChanges(found));
      process.exitCode = openRegressions(found.changes).length > 0 ? ExitCode.failed : ExitCode.ok;
    });

  changes
    .command('ack <runId> <metric...>')
    .description('acknowledge the change of each metric that starts at this run (who and why are recorded; its status becomes acknowledged)')
    .option('--by <who>', 'who acknowledges it')
    .option('--why <text>', 'why the change is accepted')
    .option('--json', 'machine-readable output')
    .action(async (runId: string, metrics: string[], _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<{ history?: string; json?: boolean; by?: string; why?: string }>();
      refuseListFilters(command.parent!, 'changes ack takes a run id, metrics, --by and --why');
      const by = requireText('by', options.by);
      const why = requireText('why', options.why);
      const acks = await withHistory(options, (h) => acknowledgeChanges(h, { runId, metrics, by, why }), 'write-existing');
      if (options.json) printJson(acks);
      else for (const a of acks) printLine(`acknowledged the change of ${a.metric} at run ${a.runId} (by ${a.by}: ${a.why})`);
    });
}
