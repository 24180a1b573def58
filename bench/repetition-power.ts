/**
 * Power of the regression verdict, by simulation on synthetic samples (no lab needed):
 *
 *   npx tsx bench/repetition-power.ts [--trials N]
 *
 * Each trial draws a baseline and a candidate sample set with Gaussian run-to-run noise of
 * 3 % (coefficient of variation) around 100 (a higher-is-better metric, e.g. Gbit/s), then
 * asks `compareSamples` with its default policy for a verdict.
 *
 *   caught       candidate really 5 % lower  → verdict 'regressed'
 *   false alarm  candidate identical         → verdict 'regressed'
 *
 * Target: caught ≥ 95 %, false alarms ≤ 1 %. Also compares fixed repetition counts with the
 * adaptive rule (`decideRepetition`), which stops each side once the median's CI is tight
 * enough, at 3 % noise and on a quieter 1.5 % metric. Figures are reproducible: every trial
 * uses its own fixed seed. Rates carry a 95 % Wilson interval for the trial count.
 */
import { createRandom, type Random } from '../harness/stats/random.ts';
import { DEFAULT_REPETITION_POLICY, decideRepetition } from '../harness/stats/descriptive.ts';
import { compareSamples, DEFAULT_COMPARE_POLICY } from '../harness/results/compare.ts';
import { wilson } from './wilson.ts';

const trialsArg = process.argv.indexOf('--trials');
const TRIALS = trialsArg > 0 ? Number(process.argv[trialsArg + 1]) : 1000;
const CENTRE = 100;
const DROP = 0.05;

type Sampler = (random: Random) => number;
const noisy = (centre: number, cv: number): Sampler => (random) => centre * (1 + cv * random.normal());

function fixed(sampler: Sampler, n: number, random: Random): number[] {
  return Array.from({ length: n }, () => sampler(random));
}

function adaptive(sampler: Sampler, random: Random): number[] {
  const samples: number[] = [];
  for (;;) {
    samples.push(sampler(random));
    if (decideRepetition(samples).stop) return samples;
  }
}

interface Row {
  label: string;
  samplesPerSide: number;
  caught: number;
  falseAlarms: number;
  inconclusiveOnDrop: number;
}

function simulate(label: string, cv: number, draw: (sampler: Sampler, random: Random) => number[]): Row {
  let caught = 0;
  let falseAlarms = 0;
  let inconclusiveOnDrop = 0;
  let spent = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const random = createRandom(0x9e3779b9 ^ (trial * 7919));
    const baseline = draw(noisy(CENTRE, cv), random);
    const dropped = draw(noisy(CENTRE * (1 - DROP), cv), random);
    const same = draw(noisy(CENTRE, cv), random);
    spent += baseline.length + dropped.length + same.length;
    const onDrop = compareSamples(baseline, dropped, 'higher-is-better', { seed: trial }).verdict;
    if (onDrop === 'regressed') caught++;
    if (onDrop === 'inconclusive') inconclusiveOnDrop++;
    if (compareSamples(baseline, same, 'higher-is-better', { seed: trial }).verdict === 'regressed') falseAlarms++;
  }
  return { label, samplesPerSide: spent / (3 * TRIALS), caught, falseAlarms, inconclusiveOnDrop };
}

/** 95 % Wilson interval as "lo–hi" percent. */
function wilsonPercent(successes: number, n: number): string {
  const { low, high } = wilson(successes, n);
  return `${(low * 100).toFixed(1)}–${(high * 100).toFixed(1)}`;
}

function printTable(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  const header = ['repetitions', 'samples/side', 'caught %', '(95 % CI)', 'false alarm %', '(95 % CI)', 'inconclusive on drop %', 'meets target'];
  const body = rows.map((r) => [
    r.label,
    r.samplesPerSide.toFixed(1),
    ((100 * r.caught) / TRIALS).toFixed(1),
    wilsonPercent(r.caught, TRIALS),
    ((100 * r.falseAlarms) / TRIALS).toFixed(1),
    wilsonPercent(r.falseAlarms, TRIALS),
    ((100 * r.inconclusiveOnDrop) / TRIALS).toFixed(1),
    r.caught / TRIALS >= 0.95 && r.falseAlarms / TRIALS <= 0.01 ? 'yes' : 'no',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i] as number)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of body) console.log(line(row));
}

const started = performance.now();
const policy = DEFAULT_COMPARE_POLICY;
const rep = DEFAULT_REPETITION_POLICY;
console.log(`power of compareSamples: ${TRIALS} trials per row, true drop ${DROP * 100} %, higher-is-better`);
console.log(`compare policy: threshold ${policy.threshold * 100} %, alpha ${policy.alpha}, minSamples ${policy.minSamples}, `
  + `${policy.confidence * 100} % bootstrap CI (${policy.resamples} resamples)`);
console.log(`adaptive policy: min ${rep.minRepetitions}, max ${rep.maxRepetitions}, stop at CI half-width ≤ ${rep.targetRelativeHalfWidth * 100} % of the median`);

for (const cv of [0.03, 0.015]) {
  const rows: Row[] = [];
  for (const n of cv === 0.03 ? [5, 10, 12, 16, 18, 20] : [5, 8, 12]) {
    rows.push(simulate(`fixed ${n}`, cv, (sampler, random) => fixed(sampler, n, random)));
  }
  const adaptiveRow = simulate('adaptive', cv, adaptive);
  rows.push(adaptiveRow);
  printTable(`noise ${(cv * 100).toFixed(1)} % (CV)`, rows);
  const match = rows.find((r) => r !== adaptiveRow && r.caught >= adaptiveRow.caught);
  console.log(match
    ? `same detection rate: adaptive spends ${adaptiveRow.samplesPerSide.toFixed(1)} samples/side, fixed needs ${match.samplesPerSide} (${match.label})`
    : `same detection rate: no fixed count in the table reaches adaptive's ${((100 * adaptiveRow.caught) / TRIALS).toFixed(1)} %`);
  const perMetric = adaptiveRow.falseAlarms / TRIALS;
  const perNight = (k: number): string => `${(100 * (1 - (1 - perMetric) ** k)).toFixed(1)} %`;
  console.log(`a night comparing 10 / 30 independent metrics at this noise (adaptive): chance of at least one false alarm ${perNight(10)} / ${perNight(30)}`);
}
console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)`);
