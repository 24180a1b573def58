/**
 * Power of the nightly regression rule over simulated 30-night series (no lab needed):
 *
 *   npx tsx bench/power.ts [--trials N] [--only 3|12] [--tune]
 *
 * A series is one metric of one host, higher-is-better, around 100. Each night has a level
 * 100·(1 + b·z) (b = night-to-night variation: 0, 1 or 2 %), and r repetitions (3 or 12) of
 * level·(1 + 0.03·e) (3 % noise within a night); z and e are standard normal. A step lowers the
 * level by 3, 5 or 10 % from night 15 on (nights 0–29); null series have no step.
 *
 *   OLD rule (today's): compareSamples (harness/results/compare.ts) of tonight's repetitions
 *       against the previous night's, alarm on 'regressed'; the previous night is the baseline
 *       whatever its verdict was (a regressed night becomes the next baseline).
 *   NEW rule: watchNight (harness/stats/nightly-watch.ts) with its defaults: tonight's median
 *       against the last 10 good nights (prediction interval) OR a new material change for the
 *       worse starting among the newest 5 nights (E-divisive's statistic, permutation test,
 *       `tailChange`). The series ends at its first alarm that points at the step.
 *   NEW rule (mean): the same with the night's mean of its repetitions as the night's value, to
 *       show what the median's robustness costs at 3 repetitions (the median of 3 normal values has
 *       1.35 times the variance of their mean).
 *
 * Per cell: found = an alarm on night 15 or later that points at the step (new rule: a night
 * verdict 'regressed', or a change placed at night 13 or later; old rule: night 15's comparison, the only
 * one that spans the step); late ≤ 4 = on nights 15–19, the first 5 nights of the step (how this
 * bench reads "found within 5 nights"); late ≤ 5 = by night 20, 5 nights after the step night;
 * late = nights after 15 (median over found series). A false alarm is any other alarm (in null
 * series, or before night 15); it is acknowledged (known) and the series goes on, so a series
 * can raise several. Targets at b = 1 %, 3 repetitions: 5 % step found within 5 nights in ≥ 90 %
 * of series; ≤ 5 % of null series raise any alarm. Rates carry a 95 % Wilson interval.
 * Figures are reproducible: every series has its own seed.
 */
import { compareSamples } from '../harness/results/compare.ts';
import { median } from '../harness/stats/descriptive.ts';
import type { Night } from '../harness/stats/night-verdict.ts';
import { DEFAULT_WATCH_POLICY, watchNight, type WatchPolicy } from '../harness/stats/nightly-watch.ts';
import { createRandom } from '../harness/stats/random.ts';
import { wilson } from './wilson.ts';

const argument = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const TRIALS = Number(argument('--trials') ?? 200);
if (!Number.isInteger(TRIALS) || TRIALS < 1) throw new RangeError(`--trials ${argument('--trials')}: expected a positive integer (default 200)`);
const ONLY_REPS = argument('--only');
if (ONLY_REPS !== undefined && !/^[1-9][0-9]*$/.test(ONLY_REPS)) throw new RangeError(`--only ${ONLY_REPS}: expected a repetition count such as 3 or 12`);
const NIGHTS = 30;
const STEP_NIGHT = 15;
const WITHIN_NOISE = 0.03;
const WITHIN_NIGHTS = 5;

const NEW_RULE: WatchPolicy = DEFAULT_WATCH_POLICY;

interface Series {
  repetitions: number[][];
  /** The night's value for the new rule: the median of its repetitions. */
  medians: number[];
  /** The mean instead (more efficient on Gaussian noise, not robust to an odd repetition). */
  means: number[];
}

function simulate(between: number, reps: number, step: number, seed: number): Series {
  const random = createRandom(seed);
  const repetitions: number[][] = [];
  for (let night = 0; night < NIGHTS; night++) {
    const level = 100 * (1 + between * random.normal()) * (night >= STEP_NIGHT ? 1 - step : 1);
    repetitions.push(Array.from({ length: reps }, () => level * (1 + WITHIN_NOISE * random.normal())));
  }
  return { repetitions, medians: repetitions.map((r) => median(r)), means: repetitions.map((r) => r.reduce((a, b) => a + b, 0) / r.length) };
}

interface Outcome {
  /** Nights late (0 = on night 15), or undefined if never found. */
  late?: number;
  falseAlarms: number;
}

function oldRule(series: Series, hasStep: boolean): Outcome {
  let falseAlarms = 0;
  for (let night = 1; night < NIGHTS; night++) {
    const verdict = compareSamples(series.repetitions[night - 1] as number[], series.repetitions[night] as number[], 'higher-is-better', { seed: night }).verdict;
    if (verdict !== 'regressed') continue;
    // Only night 15's comparison spans the step; an alarm later compares two nights after it.
    if (hasStep && night === STEP_NIGHT) return { late: 0, falseAlarms };
    falseAlarms++;
  }
  return { falseAlarms };
}

function newRule(values: readonly number[], hasStep: boolean, policy: Partial<WatchPolicy>, seed: number): Outcome {
  const history: Night[] = [];
  const known: number[] = [];
  let falseAlarms = 0;
  for (let night = 0; night < NIGHTS; night++) {
    const tonight = values[night] as number;
    const watch = watchNight(history, tonight, 'higher-is-better', known, { ...policy, changes: { ...policy.changes, seed: seed + night } });
    // A change placed at night 13 or later, seen on night 15 or later, is the step (placed a night
    // or two off, as a noisy night next to the step can be).
    const pointsAtStep = watch.newRegression !== undefined && watch.newRegression.index >= STEP_NIGHT - 2;
    if (hasStep && night >= STEP_NIGHT && (watch.verdict.verdict === 'regressed' || pointsAtStep)) {
      return { late: night - STEP_NIGHT, falseAlarms };
    }
    if (watch.alarm) {
      // A false alarm: someone looks, acknowledges it, and the night stays a good one.
      falseAlarms++;
      known.push(watch.newRegression?.index ?? night);
    }
    history.push({ median: tonight, status: 'good' });
  }
  return { falseAlarms };
}

interface Cell {
  found: number;
  foundWithin: number;
  foundWithinSix: number;
  lates: number[];
  falseAlarms: number;
  seriesWithAlarm: number;
}

function emptyCell(): Cell {
  return { found: 0, foundWithin: 0, foundWithinSix: 0, lates: [], falseAlarms: 0, seriesWithAlarm: 0 };
}

function record(cell: Cell, outcome: Outcome): void {
  if (outcome.late !== undefined) {
    cell.found++;
    cell.lates.push(outcome.late);
    if (outcome.late < WITHIN_NIGHTS) cell.foundWithin++;
    if (outcome.late <= WITHIN_NIGHTS) cell.foundWithinSix++;
  }
  cell.falseAlarms += outcome.falseAlarms;
  if (outcome.falseAlarms > 0) cell.seriesWithAlarm++;
}

/** 95 % Wilson interval as "lo–hi" percent. */
function wilsonPercent(successes: number, n: number): string {
  const { low, high } = wilson(successes, n);
  return `${(low * 100).toFixed(0)}–${(high * 100).toFixed(0)}`;
}

const pct = (count: number): string => `${((100 * count) / TRIALS).toFixed(1)} (${wilsonPercent(count, TRIALS)})`;

function describeCell(cell: Cell, step: number): string[] {
  if (step === 0) return ['', '', '', '', (cell.falseAlarms / TRIALS).toFixed(2), pct(cell.seriesWithAlarm)];
  const late = cell.lates.length > 0 ? String(median(cell.lates)) : '–';
  return [pct(cell.found), pct(cell.foundWithin), pct(cell.foundWithinSix), late, (cell.falseAlarms / TRIALS).toFixed(2), pct(cell.seriesWithAlarm)];
}

function printTable(rows: string[][]): void {
  const header = ['b %', 'reps', 'step %', 'rule', 'found %', 'late ≤ 4 %', 'late ≤ 5 %', 'late', 'false/series', 'series w/ false %'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i] as number)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

type Rule = 'old' | 'new' | 'new (mean)';

function runGrid(policy: Partial<WatchPolicy>, betweens: number[], repsList: number[], steps: number[], rules: Rule[]): string[][] {
  const rows: string[][] = [];
  for (const reps of repsList) {
    for (const between of betweens) {
      for (const step of steps) {
        const cells = new Map<Rule, Cell>(rules.map((rule) => [rule, emptyCell()]));
        for (let trial = 0; trial < TRIALS; trial++) {
          const seed = (0x9e3779b9 ^ (trial * 7919 + reps * 104729 + Math.round(between * 1000) * 1299709 + Math.round(step * 1000) * 15485863)) >>> 0;
          const series = simulate(between, reps, step, seed);
          for (const [rule, cell] of cells) {
            if (rule === 'old') record(cell, oldRule(series, step > 0));
            else record(cell, newRule(rule === 'new' ? series.medians : series.means, step > 0, policy, seed));
          }
        }
        const label = [(between * 100).toFixed(0), String(reps), (step * 100).toFixed(0)];
        for (const [rule, cell] of cells) rows.push([...label, rule, ...describeCell(cell, step)]);
      }
    }
  }
  return rows;
}

const started = performance.now();
const repsList = ONLY_REPS === undefined ? [3, 12] : [Number(ONLY_REPS)];
if (process.argv.includes('--tune')) {
  // The target cell only (b = 1 %, 3 repetitions, 5 % step and none), over candidate settings.
  const variants: [string, Partial<WatchPolicy>][] = [];
  for (const lastNights of [4, 5, 7]) {
    for (const significance of [0.004, 0.006, 0.01]) {
      variants.push([`tail of ${lastNights} nights, significance ${significance}`, {
        ...NEW_RULE,
        lastNights,
        changes: { ...NEW_RULE.changes, significance, permutations: Math.round(6 / significance) - 1 },
      }]);
    }
  }
  for (const alpha of [1, 1.5]) {
    variants.push([`distance exponent ${alpha}`, { ...NEW_RULE, changes: { ...NEW_RULE.changes, alpha } }]);
  }
  variants.push(['night verdict alpha 0.0005', { ...NEW_RULE, night: { ...NEW_RULE.night, alpha: 0.0005 } }]);
  for (const [label, policy] of variants) {
    console.log(`\n${label}`);
    printTable(runGrid(policy, [0.01], [3], [0, 0.05], ['new', 'new (mean)']));
  }
} else {
  console.log(`nightly rule power: ${TRIALS} series of ${NIGHTS} nights per row, step from night ${STEP_NIGHT}, ${WITHIN_NOISE * 100} % noise within a night`);
  console.log(`new rule: ${JSON.stringify(NEW_RULE)}`);
  console.log('found, late ≤ 4, late ≤ 5, series w/ false: % of series (95 % Wilson interval); late: median nights after 15 when found;');
  console.log('false/series: mean false alarms per series (in step series: alarms before night 15 or not pointing at the step)\n');
  printTable(runGrid(NEW_RULE, [0, 0.01, 0.02], repsList, [0, 0.03, 0.05, 0.1], ['old', 'new', 'new (mean)']));
}
console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)`);
