import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { compareRuns, parseSide, type RunComparison } from '../../results/compare-runs.ts';
import { formatChange, formatDifference, formatValue } from '../../measure/format-value.ts';
import { parseThresholds } from '../../results/thresholds.ts';
import { ExitCode } from '../exit-codes.ts';
import { formatTable, printJson, printLine } from '../output.ts';
import { withHistory } from './history.ts';

interface CompareOptions {
  baseline?: string;
  candidate?: string;
  threshold: string[];
  absolute: string[];
  history?: string;
  json?: boolean;
}

export function formatComparison(c: RunComparison): string {
  const rows = c.verdicts.map((v) => {
    const k = v.comparison;
    return [
      v.host, v.mode, v.guest, v.metric,
      formatValue(k.baseline.median, v.unit), formatValue(k.candidate.median, v.unit),
      k.basis === 'absolute' ? formatDifference(k.difference, v.unit) : formatChange(k.change),
      k.changeCi ? `${formatChange(k.changeCi.low)} … ${formatChange(k.changeCi.high)}` : '–',
      k.rankTest ? k.rankTest.p.toPrecision(2) : '–',
      k.basis === 'absolute' ? `${formatValue(Math.max(k.policy.threshold * Math.abs(k.baseline.median ?? 0), k.policy.absoluteThreshold), v.unit)}` : `${(k.policy.threshold * 100).toFixed(1)} %`,
      k.verdict === 'regressed' ? 'REGRESSED' : k.verdict,
    ];
  });
  const counts = ['regressed', 'improved', 'unchanged', 'inconclusive']
    .map((verdict) => `${c.verdicts.filter((v) => v.comparison.verdict === verdict).length} ${verdict}`).join(', ');
  const lines = [
    `baseline:  ${c.baseline.label}`,
    `candidate: ${c.candidate.label}`,
    '',
    c.verdicts.length > 0
      ? formatTable(['HOST', 'MODE', 'GUEST', 'METRIC', 'BASELINE', 'CANDIDATE', 'CHANGE', '95% CI', 'P', 'THRESHOLD', 'VERDICT'], rows)
      : 'no metric was measured on both sides',
  ];
  for (const [side, keys] of [['baseline', c.onlyInBaseline], ['candidate', c.onlyInCandidate]] as const) {
    if (keys.length > 0) lines.push(`only in the ${side}: ${keys.join(', ')}`);
  }
  for (const warning of c.warnings) lines.push(`warning: ${warning}`);
  lines.push('', `${counts}${c.regressed ? ' — REGRESSION' : ''}`);
  return lines.join('\n');
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * The two sides from the arguments and --baseline/--candidate, which fill the places the
 * options leave: exactly two in all (`compare A B --baseline C` would have dropped B unsaid).
 */
function pickSides(args: readonly (string | undefined)[], o: CompareOptions): { baselineText: string; candidateText: string } {
  const given = args.filter((a): a is string => a !== undefined);
  const free = [...given];
  const baselineText = o.baseline ?? free.shift();
  const candidateText = o.candidate ?? free.shift();
  const all = [
    ...(o.baseline === undefined ? [] : [`--baseline ${JSON.stringify(o.baseline)}`]),
    ...(o.candidate === undefined ? [] : [`--candidate ${JSON.stringify(o.candidate)}`]),
    ...given.map((g) => JSON.stringify(g)),
  ];
  if (free.length > 0 || baselineText === undefined || candidateText === undefined) {
    throw new UsageError(`compare needs exactly a baseline and a candidate, got ${all.length ? all.join(', ') : 'neither'}`, {
      remedy: 'give both: passbench compare BASE CANDIDATE, or --baseline … --candidate … (an option takes the place of an argument)',
    });
  }
  return { baselineText, candidateText };
}

export function registerCompareCommand(program: Command): void {
  program
    .command('compare')
    .description('Compare two runs (or pools of runs) per metric: medians, change with CI, p-value, verdict; exit 1 on a regression, 4 when a side cannot be read')
    .argument('[base]', 'baseline: a run id, a run directory, a selector (kernel=6.1,host=lab1) or last-good')
    .argument('[candidate]', 'candidate: a run id, a run directory or a selector')
    .option('--baseline <side>', 'baseline (instead of the first argument)')
    .option('--candidate <side>', 'candidate (instead of the second argument)')
    .option('--threshold <metric=pct>', 'smallest change that matters, per metric (repeatable; latency.*=10; a bare number sets the default)', collect, [])
    .option('--absolute <metric=value>', 'smallest change that matters in the metric\'s unit, for metrics near 0 (repeatable; *.loss=0.5)', collect, [])
    .option('--history <location>', 'history: a SQLite file or postgres://… URL')
    .option('--json', 'machine-readable output')
    .addHelpText('after', `
Selectors pool the samples of every passed run they match (keys: host, kernel, qemu, scenario,
mode, metric, status, since, before). Warm-up samples never count. Default threshold 5 %;
absolute thresholds by default: *.loss 0.5 (percentage points), *.retransmits 10, *.jitter 0.0001 s.
Verdicts: regressed / improved (significant, and a change of the threshold or more is within the CI),
unchanged (the CI lies within ± the threshold), inconclusive (not significant, or the sample sizes
cannot be). The rank test is exact (Mann–Whitney) up to 80 samples in all.

What it can show: whether these two sets of repetitions differ. What it cannot: whether the software
changed. Repetitions of one night share that night's conditions, so two single nights differ more
often than their repetitions suggest; and few repetitions cannot be significant at all: 3 vs 3 can
never give p below 0.10 (it can be unchanged, never regressed), 4 vs 4 reaches 0.029, 5 vs 5 0.008.
The nightly verdict (passbench run, passbench report) judges tonight against the last good nights
instead, with the night as the unit. A baseline median of 0 (loss, retransmits) is judged in the
metric's unit against its absolute threshold.`)
    .action(async (base: string | undefined, candidate: string | undefined, options: CompareOptions) => {
      const { baselineText, candidateText } = pickSides([base, candidate], options);
      // Every argument is checked before the history is opened.
      const thresholds = parseThresholds(options.threshold, options.absolute);
      const [baseline, candidateSide] = [parseSide(baselineText), parseSide(candidateText)];
      const result = await withHistory(options, (h) => compareRuns(h, baseline, candidateSide, thresholds));
      if (options.json) printJson(result);
      else printLine(formatComparison(result));
      process.exitCode = result.regressed ? ExitCode.failed : ExitCode.ok;
      if (result.verdicts.length === 0) {
        // Nothing was compared: not a pass a CI job should take for "no regression".
        process.stderr.write(`passbench: nothing to compare: no metric of ${result.baseline.label} was measured in ${result.candidate.label}\n`
          + '  what to do: compare runs of the same modes and tests (passbench history lists them)\n');
        process.exitCode = ExitCode.unreadable;
      }
    });
}
