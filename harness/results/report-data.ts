/**
 * Everything a report shows, gathered once: the run (from its directory), the night's verdicts
 * (results/night-verdicts.ts: each series against its last good nights, or a pinned baseline),
 * the open change points of the run's series (results/changes.ts, as `passbench changes` finds
 * them) and the history for the trends.
 */
import { findChanges, type SeriesChange } from './changes.ts';
import type { History, RunMedian } from './history.ts';
import { judgeRunNight, nightSettings, type NightJudgement, type NightSettings } from './night-verdicts.ts';
import { runMedians } from './run-medians.ts';
import { readRunDir } from './run-reader.ts';
import { runDifferences, type Differences } from './run-differences.ts';
import type { Check, RunMeta, Sample } from './schema.ts';
import { absoluteThresholdFor, thresholdFor } from './thresholds.ts';

export interface ReportData {
  dir: string;
  meta: RunMeta;
  samples: Sample[];
  checks: Check[];
  /** The night's verdicts. */
  night: NightJudgement;
  /** Open change points of the series this run measured (host × mode × guest × metric), oldest first. */
  openChanges: SeriesChange[];
  /** Per host, what the runs record that differs from its last night (the run of this scenario before this one). */
  sinceLastNight: LastNightDifferences[];
  /** Per-run medians of earlier runs of this scenario on this host, then this run's. */
  trend: RunMedian[];
  /** Any host's guests ran under TCG, or a host is an emulated virtual-lab host: every figure is an emulated one. */
  emulated: boolean;
}

export interface LastNightDifferences {
  host: string;
  /** The host's run of this scenario before this one; undefined: this is its first in the history. */
  previousRunId?: string;
  changed: Differences;
}

export async function loadReportData(runDir: string, history: History, settings: Partial<NightSettings> = {}): Promise<ReportData> {
  const { meta, samples, checks } = await readRunDir(runDir);
  const host = meta.hosts[0];
  const scope = { scenario: meta.scenario, host: host?.name, before: meta.startedAt };
  const night = await judgeRunNight(history, { meta, samples }, settings);
  const earlier = await history.runMedians(scope);
  const own: RunMedian[] = runMedians(samples).map(({ first: s, n, median }) => ({
    runId: s.runId, startedAt: meta.startedAt, kernel: meta.hosts.find((h) => h.name === s.host)?.kernel ?? '',
    host: s.host, mode: s.mode, guest: s.guest, metric: s.metric, unit: s.unit, n, median,
  }));
  return {
    dir: runDir, meta, samples, checks, night, openChanges: await openChangesOf(history, samples, settings),
    sinceLastNight: await sinceLastNight(history, meta),
    trend: [...earlier.filter((v) => v.runId !== meta.runId), ...own],
    emulated: meta.hosts.some((h) => h.accel === 'tcg' || h.virtualLab),
  };
}

/**
 * What changed on each host since its last night, whatever the figures did: a kernel upgrade with no
 * change point is still the first thing a reader of the night after it wants to see. The last night
 * is the host's newest run of this scenario that started before this one, passed or not.
 */
async function sinceLastNight(history: History, meta: RunMeta): Promise<LastNightDifferences[]> {
  return Promise.all(meta.hosts.map(async ({ name }) => {
    const [previous] = await history.listRuns({ scenario: meta.scenario, host: name, before: meta.startedAt, limit: 1 });
    const before = previous === undefined ? undefined : await history.runMeta(previous.runId);
    return before === undefined ? { host: name, changed: {} } : { host: name, previousRunId: before.runId, changed: runDifferences(before, meta, name) };
  }));
}

/** The open changes of the series `samples` belong to, at the night verdict's thresholds. */
async function openChangesOf(history: History, samples: readonly Sample[], settings: Partial<NightSettings>): Promise<SeriesChange[]> {
  const key = (s: Pick<Sample, 'host' | 'mode' | 'guest' | 'metric'>) => `${s.host}\u0000${s.mode}\u0000${s.guest}\u0000${s.metric}`;
  const measured = new Set(samples.map(key));
  const { thresholds } = nightSettings(settings);
  const open: SeriesChange[] = [];
  for (const host of [...new Set(samples.map((s) => s.host))].sort()) {
    const found = await findChanges(history, { host, threshold: (m) => thresholdFor(thresholds, m), absoluteThreshold: (m) => absoluteThresholdFor(thresholds, m) });
    open.push(...found.changes.filter((c) => c.status === 'open' && measured.has(key(c))));
  }
  return open;
}
