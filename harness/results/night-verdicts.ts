/**
 * The run's verdict, with the night as the unit (issue 12): each series (host × mode × guest ×
 * metric, within the run's scenario, i.e. its configuration) has one point a night, the median of
 * that night's repetitions. Tonight's point is judged against the last N good nights of the
 * series in the history (stats/night-verdict.ts: a prediction interval, so night-to-night
 * variation is in the baseline's spread), or against the nights of a pinned baseline (a run id,
 * or a selector such as kernel=6.1: a release, a kernel).
 *
 * What it replaces: the pairwise comparison of tonight's repetitions with the last passed run's
 * (compare-sets.ts), which took repetitions as independent samples and let a regressed night
 * become the next baseline. That comparison is still there for ad-hoc use (`passbench compare`).
 *
 * A REGRESSED NIGHT IS NEVER A BASELINE. Which earlier nights were regressed is not stored: it is
 * worked out again here, night by night over the series' recent history, with the same rule (each
 * night against the good nights before it); a night that came out 'regressed' is left out of
 * every later baseline, so a step down is not absorbed after one night. The re-judging of earlier
 * nights uses each series' own verdict, without the night-wide false-alarm control below: a night
 * is left out on its raw verdict, which errs on the side of a clean baseline.
 *
 * AN ACKNOWLEDGED CHANGE MOVES THE BASELINE. Once `passbench changes ack RUN METRIC` accepted a
 * change (a real step: a new kernel that is slower, and meant to be), the level after it is the
 * one to hold: the series' baseline nights are only those at or after the change's first run.
 * Until there are minNights of them the series says "no baseline yet since the acknowledged
 * change of RUN (N of 5 nights)", rather than judging every later night against the old level,
 * where it would stay regressed for ever. The newest acknowledged change before tonight counts
 * (an acknowledgement names a run and a metric and covers every series of that metric in that
 * run, as in changes.ts). An acknowledged change stays the cut even when a later change brings
 * the level back (acknowledged wins over superseded, as in `passbench changes`): that later
 * change is judged against the acknowledged level like any other night, so a drop back is
 * regressed until it is acknowledged in turn. A change that is superseded without an
 * acknowledgement moves nothing: the level came back, its regressed nights stay out, and the
 * nights after it are judged against the good nights before it, as they should be.
 *
 * FALSE ALARMS ACROSS A NIGHT'S METRICS. A night has about 90 series; each judged at level α would
 * raise α·90 false alarms a night. Benjamini–Hochberg (stats/benjamini-hochberg.ts) over all the
 * night's p-values keeps a 'regressed'/'improved' verdict only if its adjusted p-value is at most
 * the false-alarm rate q (default 5 %): on average at most q of the night's flagged changes are
 * false. The report states q, the number of tests and the per-test level that resulted.
 *
 * GATE. Every series is judged and shown; only the metrics of `gate` (patterns, default all)
 * make the night fail when they regress.
 */
import { ResultsError } from '../errors.ts';
import { benjaminiHochberg } from '../stats/benjamini-hochberg.ts';
import { judgeAgainst, judgeNight, type Interval, type Night, type NightPolicy, type Verdict } from '../stats/night-verdict.ts';
import { parseSelector } from './compare-runs.ts';
import type { History, RunMedian } from './history.ts';
import { runMedians } from './run-medians.ts';
import type { RunMeta, Sample } from './schema.ts';
import { absoluteThresholdFor, mostSpecific, parseThresholds, thresholdFor, type Thresholds } from './thresholds.ts';

export interface NightSettings {
  /** How many good nights make the baseline (the most recent ones). */
  nights: number;
  /** Fewer good nights than this: no baseline yet. */
  minNights: number;
  /** Significance level of each series' test (two-sided). */
  alpha: number;
  /** Benjamini–Hochberg false discovery rate over the night's series. */
  falseAlarmRate: number;
  thresholds: Thresholds;
  /** Metric patterns whose regression fails the night; undefined: every metric. */
  gate?: readonly string[];
  /** A run id or a selector (kernel=6.1): judge against its nights instead of the last good ones. */
  pin?: string;
}

export const DEFAULT_NIGHT_SETTINGS: Readonly<Omit<NightSettings, 'thresholds'>> = Object.freeze({
  nights: 10,
  minNights: 5,
  alpha: 0.01,
  falseAlarmRate: 0.05,
});

/** How many earlier nights of a series are re-judged to find the regressed ones. */
const LOOKBACK_FACTOR = 6;

export type NightVerdictKind = Verdict | 'no-baseline';

export interface SeriesVerdict {
  host: string;
  mode: Sample['mode'];
  guest: string;
  metric: string;
  unit: Sample['unit'];
  direction: Sample['direction'];
  /** Its regression fails the night. */
  gating: boolean;
  verdict: NightVerdictKind;
  /** One sentence; never NaN. */
  reason: string;
  /** Tonight's value (the median of its repetitions) and how many repetitions it has. */
  tonight: number;
  repetitions: number;
  /** The nights judged against: their runs, mean and standard deviation. */
  baseline: { runIds: string[]; centre?: number; spread?: number };
  /** Earlier nights left out because they came out regressed. */
  excludedRunIds: string[];
  /** The acknowledged change the baseline starts at (nights before it are not compared with). */
  acknowledgedChange?: AcknowledgedCut;
  difference?: number;
  differenceInterval?: Interval;
  change?: number;
  changeInterval?: Interval;
  pValue?: number;
  /** Benjamini–Hochberg adjusted p-value over the night's series. */
  adjustedP?: number;
  /** The thresholds that applied: relative (fraction) and in the metric's unit. */
  threshold: number;
  absoluteThreshold: number;
}

export interface NightJudgement {
  method: 'night';
  basis:
    | { kind: 'last-good'; nights: number; minNights: number }
    | { kind: 'pinned'; pin: string; runIds: string[]; minNights: number };
  /** Each series' significance level; its intervals are at confidence 1 − alpha. */
  alpha: number;
  series: SeriesVerdict[];
  falseAlarms: {
    method: 'benjamini-hochberg';
    /** The false discovery rate controlled (q). */
    rate: number;
    /** Series with a p-value (judged against a baseline). */
    tests: number;
    /** Changes kept after the control. */
    kept: number;
    /** Changes a series' own test flagged that the control turned inconclusive. */
    withdrawn: number;
    /** The largest raw p-value kept (0 when none): the night's effective per-test level. */
    perTestLevel: number;
  };
  /** Metric patterns that gate the night, or 'all'. */
  gate: readonly string[] | 'all';
  /** A gating series regressed. */
  regressed: boolean;
  /** What these verdicts replace, for readers of older reports. */
  replaces: string;
}

export const REPLACES = 'the pairwise verdicts of tonight\'s repetitions against the last passed run (passbench compare last-good RUN still gives them, ad hoc)';

const keyOf = (s: Pick<Sample, 'host' | 'mode' | 'guest' | 'metric'>): string => `${s.host}\u0000${s.mode}\u0000${s.guest}\u0000${s.metric}`;

function groupByKey(medians: readonly RunMedian[], exclude: string): Map<string, RunMedian[]> {
  const groups = new Map<string, RunMedian[]>();
  for (const m of medians) {
    if (m.runId === exclude) continue;
    const list = groups.get(keyOf(m));
    if (list) list.push(m);
    else groups.set(keyOf(m), [m]);
  }
  return groups;
}

/** Is `metric` among the gating patterns (all when none are given)? */
export function gates(gate: readonly string[] | undefined, metric: string): boolean {
  return gate === undefined || mostSpecific(Object.fromEntries(gate.map((g) => [g, true])), metric) === true;
}

/**
 * Each earlier night of a series, oldest first, with its status: good, or open-change when it
 * came out regressed against the good nights before it.
 */
export function nightStatuses(values: readonly number[], direction: Sample['direction'], policy: Partial<NightPolicy>): Night[] {
  const nights: Night[] = [];
  for (const value of values) {
    const judged = judgeNight(nights, value, direction, policy);
    nights.push({ median: value, status: judged.verdict === 'regressed' ? 'open-change' : 'good' });
  }
  return nights;
}

/** The newest acknowledged change of a series before tonight: its first run, when it started, who and why. */
export interface AcknowledgedCut {
  runId: string;
  startedAt: string;
  by: string;
  why: string;
}

/**
 * Per series (keyOf) of the run's scenario, the newest acknowledged change whose first run
 * started before tonight and has that series.
 */
async function acknowledgedCuts(history: History, meta: RunMeta): Promise<Map<string, AcknowledgedCut>> {
  const acks = await history.acknowledgements();
  const cuts = new Map<string, AcknowledgedCut>();
  if (acks.length === 0) return cuts;
  const byRunMetric = new Map(acks.map((a) => [`${a.runId}\u0000${a.metric}`, a]));
  const tonight = Date.parse(meta.startedAt);
  const runIds = [...new Set(acks.map((a) => a.runId))];
  for (const m of await history.runMedians({ runIds, scenario: meta.scenario })) {
    const ack = byRunMetric.get(`${m.runId}\u0000${m.metric}`);
    if (ack === undefined || m.runId === meta.runId || Date.parse(m.startedAt) >= tonight) continue;
    const was = cuts.get(keyOf(m));
    if (was === undefined || Date.parse(m.startedAt) > Date.parse(was.startedAt)) {
      cuts.set(keyOf(m), { runId: m.runId, startedAt: m.startedAt, by: ack.by, why: ack.why });
    }
  }
  return cuts;
}

async function pinnedMedians(history: History, pin: string, exclude: string): Promise<{ medians: RunMedian[]; runIds: string[] }> {
  const filter = pin.includes('=') ? { status: 'passed' as const, ...parseSelector(pin) } : { runIds: [pin] };
  const medians = (await history.runMedians(filter)).filter((m) => m.runId !== exclude);
  const runIds = [...new Set(medians.map((m) => m.runId))];
  if (runIds.length === 0) {
    throw new ResultsError(`the pinned baseline ${JSON.stringify(pin)} matches no ${pin.includes('=') ? 'passed run' : 'run'} in the history ${history.location}`, {
      remedy: 'pin a run id or a selector (kernel=6.1) that passbench history lists, or remove run.baseline.pin to judge against the last good nights',
    });
  }
  return { medians, runIds };
}

/** The history's earlier passed nights of the run's scenario on each of its hosts. */
async function earlierMedians(history: History, meta: RunMeta): Promise<RunMedian[]> {
  const all: RunMedian[] = [];
  for (const host of new Set(meta.hosts.map((h) => h.name))) {
    all.push(...await history.runMedians({ scenario: meta.scenario, host, status: 'passed', before: meta.startedAt }));
  }
  return all;
}

function policyFor(s: NightSettings, metric: string): Partial<NightPolicy> {
  return {
    nights: s.nights, minNights: s.minNights, alpha: s.alpha,
    threshold: thresholdFor(s.thresholds, metric), absoluteThreshold: absoluteThresholdFor(s.thresholds, metric),
  };
}

/** Judges one series: tonight's value against its baseline nights. */
function judgeSeries(
  tonight: { first: Sample; n: number; median: number },
  earlier: readonly RunMedian[],
  s: NightSettings,
  pinned: boolean,
  cut?: AcknowledgedCut,
): SeriesVerdict {
  const { first } = tonight;
  const policy = policyFor(s, first.metric);
  const head = {
    host: first.host, mode: first.mode, guest: first.guest, metric: first.metric, unit: first.unit, direction: first.direction,
    gating: gates(s.gate, first.metric), tonight: tonight.median, repetitions: tonight.n,
    threshold: policy.threshold ?? 0, absoluteThreshold: policy.absoluteThreshold ?? 0,
  };
  let baselineRuns: RunMedian[];
  let excludedRunIds: string[] = [];
  let judged;
  if (pinned) {
    baselineRuns = [...earlier];
    judged = judgeAgainst(baselineRuns.map((m) => m.median), tonight.median, first.direction, policy);
  } else {
    const since = cut === undefined ? earlier : earlier.filter((m) => Date.parse(m.startedAt) >= Date.parse(cut.startedAt));
    const window = since.slice(-LOOKBACK_FACTOR * s.nights);
    const nights = nightStatuses(window.map((m) => m.median), first.direction, policy);
    judged = judgeNight(nights, tonight.median, first.direction, policy);
    baselineRuns = judged.baseline.indices.map((i) => window[i]!);
    const oldest = judged.baseline.indices[0] ?? 0;
    excludedRunIds = window.filter((_, i) => i >= oldest && nights[i]!.status !== 'good').map((m) => m.runId);
  }
  const runIds = baselineRuns.map((m) => m.runId);
  const acknowledged = cut === undefined || pinned ? {} : { acknowledgedChange: cut };
  const needed = Math.max(2, s.minNights);
  if (baselineRuns.length < needed) {
    const what = pinned ? `the pinned baseline ${s.pin} has ${baselineRuns.length} night(s) of this series` : `${baselineRuns.length} good night(s) so far`;
    return {
      ...head, verdict: 'no-baseline', baseline: { runIds }, excludedRunIds, ...acknowledged,
      reason: acknowledged.acknowledgedChange
        ? `no baseline yet since the acknowledged change of ${cut!.runId} (${baselineRuns.length} of ${needed} nights)`
        : `no baseline yet (${needed} nights needed; ${what})`,
    };
  }
  const { verdict, difference, differenceInterval, change, changeInterval, pValue } = judged;
  const reason = acknowledged.acknowledgedChange ? `${judged.reason} (nights since the acknowledged change of ${cut!.runId})` : judged.reason;
  return {
    ...head, verdict, reason, excludedRunIds, ...acknowledged,
    baseline: { runIds, centre: judged.baseline.centre, spread: judged.baseline.spread },
    ...(difference === undefined ? {} : { difference }),
    ...(differenceInterval === undefined ? {} : { differenceInterval }),
    ...(change === undefined ? {} : { change }),
    ...(changeInterval === undefined ? {} : { changeInterval }),
    ...(pValue === undefined ? {} : { pValue }),
  };
}

/** Benjamini–Hochberg over the series with a p-value: a flagged change not kept becomes inconclusive. */
export function controlFalseAlarms(series: SeriesVerdict[], rate: number): NightJudgement['falseAlarms'] {
  const tested = series.filter((v) => v.pValue !== undefined);
  const bh = benjaminiHochberg(tested.map((v) => v.pValue!), rate);
  let withdrawn = 0;
  tested.forEach((v, i) => {
    v.adjustedP = bh.adjusted[i];
    if ((v.verdict === 'regressed' || v.verdict === 'improved') && !bh.significant[i]) {
      withdrawn++;
      v.reason = `${v.reason}; but not kept by the false-alarm control over the night's ${tested.length} metrics (adjusted p = ${Number(bh.adjusted[i]!.toPrecision(2))} > ${rate}): inconclusive`;
      v.verdict = 'inconclusive';
    }
  });
  const kept = tested.filter((v) => v.verdict === 'regressed' || v.verdict === 'improved').length;
  return { method: 'benjamini-hochberg', rate, tests: tested.length, kept, withdrawn, perTestLevel: bh.threshold };
}

/** Regressions first, then improvements, inconclusive, no baseline, unchanged. */
export function sortedNightVerdicts(series: readonly SeriesVerdict[]): SeriesVerdict[] {
  const rank: Record<NightVerdictKind, number> = { regressed: 0, improved: 1, inconclusive: 2, 'no-baseline': 3, unchanged: 4 };
  return [...series].sort((a, b) => rank[a.verdict] - rank[b.verdict]);
}

export function nightSettings(o: Partial<NightSettings> = {}): NightSettings {
  return { ...DEFAULT_NIGHT_SETTINGS, thresholds: parseThresholds(), ...o };
}

/** The verdict of the night a run measured: every series of it against its baseline nights. */
export async function judgeRunNight(
  history: History,
  run: { meta: RunMeta; samples: readonly Sample[] },
  settings: Partial<NightSettings> = {},
): Promise<NightJudgement> {
  const s = nightSettings(settings);
  const pinned = s.pin === undefined ? undefined : await pinnedMedians(history, s.pin, run.meta.runId);
  const earlier = groupByKey(pinned?.medians ?? await earlierMedians(history, run.meta), run.meta.runId);
  const cuts = pinned ? new Map<string, AcknowledgedCut>() : await acknowledgedCuts(history, run.meta);
  const series = runMedians(run.samples)
    .map((tonight) => judgeSeries(tonight, earlier.get(keyOf(tonight.first)) ?? [], s, pinned !== undefined, cuts.get(keyOf(tonight.first))))
    .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  const falseAlarms = controlFalseAlarms(series, s.falseAlarmRate);
  return {
    method: 'night',
    basis: pinned
      ? { kind: 'pinned', pin: s.pin!, runIds: pinned.runIds, minNights: s.minNights }
      : { kind: 'last-good', nights: s.nights, minNights: s.minNights },
    alpha: s.alpha,
    series,
    falseAlarms,
    gate: s.gate ?? 'all',
    regressed: series.some((v) => v.gating && v.verdict === 'regressed'),
    replaces: REPLACES,
  };
}
