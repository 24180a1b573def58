/**
 * `passbench compare`: resolve a baseline and a candidate (run ids, run directories,
 * selectors such as kernel=6.1 that pool every matching run, or the last good night before
 * the candidate), pool their samples and give per-metric verdicts.
 */
import fs from 'node:fs/promises';
import { ResultsError, UsageError } from '../errors.ts';
import type { ComparePolicy } from './compare.ts';
import { compareSampleSets, type SetComparison } from './compare-sets.ts';
import type { History } from './history.ts';
import { FILTER_KEYS, checkFilter, type RunFilter } from './history/run-filter.ts';
import { readRunDir } from './run-reader.ts';
import { runFacts } from './run-differences.ts';
import type { RunMeta, Sample } from './schema.ts';
import type { Thresholds } from './thresholds.ts';

export type SideSpec =
  | { kind: 'run'; runId: string }
  | { kind: 'dir'; dir: string }
  | { kind: 'selector'; text: string; filter: RunFilter }
  | { kind: 'last-good' };

export interface ResolvedSide {
  /** What the user asked for, in words: "run 2026…", "kernel=6.1 (3 runs)". */
  label: string;
  runIds: string[];
  /** Accelerators the side's runs used (kvm, tcg). */
  accels: string[];
  /** The runs' metadata (kernel, QEMU, NIC firmware …), for what differs between the sides. */
  metas: RunMeta[];
  samples: Sample[];
}

export interface RunComparison extends SetComparison {
  baseline: Omit<ResolvedSide, 'samples' | 'metas'>;
  candidate: Omit<ResolvedSide, 'samples' | 'metas'>;
  regressed: boolean;
  /** Why the figures may not be comparable (e.g. KVM against TCG). */
  warnings: string[];
}

/** A run id as the runner makes them (and a user may give): also what run.baseline.pin accepts. */
export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$/;

/** Parses `kernel=6.1,host=lab1` into a filter; only known keys. */
export function parseSelector(text: string): RunFilter {
  const filter: Record<string, string> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq);
    if (eq <= 0 || !(FILTER_KEYS as readonly string[]).includes(key) || part.slice(eq + 1) === '') {
      throw new UsageError(`selector ${JSON.stringify(text)}: ${JSON.stringify(part)}: expected KEY=VALUE with KEY one of ${FILTER_KEYS.join(', ')}`, {
        remedy: 'e.g. kernel=6.1,host=lab1 (a value may not be empty)',
      });
    }
    filter[key] = part.slice(eq + 1);
  }
  return checkFilter(filter as RunFilter);
}

/** A run id, a run directory (a path with a slash), `last-good`, or a selector (has "="). */
export function parseSide(text: string): SideSpec {
  if (text === 'last-good') return { kind: 'last-good' };
  if (text.includes('=')) return { kind: 'selector', text, filter: parseSelector(text) };
  if (text.includes('/')) return { kind: 'dir', dir: text };
  if (!RUN_ID.test(text)) {
    throw new UsageError(`${JSON.stringify(text)}: expected a run id, a run directory, a selector (kernel=6.1) or last-good`, {
      remedy: 'passbench history lists the run ids; a run directory is a path with a "/" (reports/runs/ID)',
    });
  }
  return { kind: 'run', runId: text };
}

async function isDirectory(p: string): Promise<boolean> {
  return fs.stat(p).then((s) => s.isDirectory(), () => false);
}

async function fromHistory(history: History, runIds: string[], filter: RunFilter = {}): Promise<Omit<ResolvedSide, 'label'>> {
  const samples = await history.samples({ ...filter, runIds });
  const accels = new Set((await history.listRuns({ runIds })).flatMap((r) => r.hosts.map((h) => h.accel)));
  const metas = (await Promise.all(runIds.map((id) => history.runMeta(id)))).filter((m): m is RunMeta => m !== undefined);
  return { runIds, accels: [...accels].sort(), metas, samples };
}

/**
 * Why the figures may not be comparable: KVM against TCG (the virtual lab) measure different
 * things; and each recorded fact of a host (kernel, QEMU, NIC driver, firmware, link …) whose
 * values differ between the sides, since any of them can move a figure. Comparing two kernels is
 * often the point: it is named all the same, beside whatever else changed with it.
 */
function comparabilityWarnings(baseline: ResolvedSide, candidate: ResolvedSide): string[] {
  const a = baseline.accels.join('+');
  const b = candidate.accels.join('+');
  const accel = a === b ? [] : [`the baseline ran under ${a.toUpperCase()} and the candidate under ${b.toUpperCase()}: the figures are not comparable`];
  return [...accel, ...factWarnings(baseline, candidate)];
}

function factWarnings(baseline: ResolvedSide, candidate: ResolvedSide): string[] {
  const inBaseline = hostsOf(baseline);
  return [...hostsOf(candidate)].filter((host) => inBaseline.has(host)).sort().flatMap((host) => {
    const was = factValues(baseline, host);
    const is = factValues(candidate, host);
    // The accelerator has its own warning above.
    return [...was].filter(([fact, value]) => fact !== 'accel' && value !== is.get(fact))
      .map(([fact, value]) => `host ${host}: ${fact} differs: baseline ${value}; candidate ${is.get(fact)}`);
  });
}

function hostsOf(side: ResolvedSide): Set<string> {
  return new Set(side.metas.flatMap((m) => m.hosts.map((h) => h.name)));
}

/** Each fact's values over a side's runs of one host, listed ("6.1.0-27-amd64, 6.1.0-28-amd64"). */
function factValues(side: ResolvedSide, host: string): Map<string, string> {
  const values = new Map<string, Set<string>>();
  for (const meta of side.metas.filter((m) => m.hosts.some((h) => h.name === host))) {
    for (const [fact, value] of Object.entries(runFacts(meta, host))) values.set(fact, (values.get(fact) ?? new Set()).add(value));
  }
  return new Map([...values].map(([fact, set]) => [fact, [...set].sort().join(', ')]));
}

async function resolveSide(history: History, spec: SideSpec, other: ResolvedSide | undefined): Promise<ResolvedSide> {
  switch (spec.kind) {
    case 'dir': {
      const data = await readRunDir(spec.dir);
      return {
        label: `run ${data.meta.runId} (${spec.dir})`, runIds: [data.meta.runId],
        accels: [...new Set(data.meta.hosts.map((h) => h.accel))], metas: [data.meta], samples: data.samples.filter((s) => !s.warmup),
      };
    }
    case 'run': {
      if (!(await history.getRun(spec.runId))) {
        if (await isDirectory(spec.runId)) return resolveSide(history, { kind: 'dir', dir: spec.runId }, other);
        throw new ResultsError(`run ${spec.runId} is not in the history ${history.location}`, {
          remedy: `import it (passbench history import reports/runs/${spec.runId}) or give its run directory`,
        });
      }
      return { label: `run ${spec.runId}`, ...(await fromHistory(history, [spec.runId])) };
    }
    case 'selector': {
      const filter = { status: 'passed' as const, ...spec.filter };
      const runs = await history.listRuns({ ...filter, mode: undefined, metric: undefined });
      if (runs.length === 0) throw new ResultsError(`no ${filter.status} run in the history ${history.location} matches ${spec.text}`, { remedy: 'list what is there with passbench history' });
      const runIds = runs.map((r) => r.runId);
      return { label: `${spec.text} (${runs.length} run${runs.length === 1 ? '' : 's'})`, ...(await fromHistory(history, runIds, filter)) };
    }
    case 'last-good': {
      if (!other || other.runIds.length !== 1) {
        throw new UsageError('last-good needs a single candidate run (a run id or directory) to look back from', { remedy: 'e.g. passbench compare last-good RUN_ID' });
      }
      const good = await history.lastGoodBefore(other.runIds[0]!);
      if (!good) {
        throw new ResultsError(`no passed run of the same scenario and host before run ${other.runIds[0]} in the history ${history.location}`, {
          remedy: 'give the baseline yourself: a run id, a run directory or a selector (passbench history lists the runs)',
        });
      }
      return { label: `last good night: run ${good.runId}`, ...(await fromHistory(history, [good.runId])) };
    }
  }
}

export async function compareRuns(
  history: History,
  baselineSpec: SideSpec,
  candidateSpec: SideSpec,
  thresholds: Thresholds,
  policy: Partial<ComparePolicy> = {},
): Promise<RunComparison> {
  if (candidateSpec.kind === 'last-good') {
    throw new UsageError('last-good can only be the baseline: it is found by looking back from the candidate', { remedy: 'e.g. passbench compare last-good RUN_ID' });
  }
  const candidate = await resolveSide(history, candidateSpec, undefined);
  const baseline = await resolveSide(history, baselineSpec, candidate);
  const sets = compareSampleSets(baseline.samples, candidate.samples, thresholds, policy);
  const { samples: _b, metas: _bm, ...baselineInfo } = baseline;
  const { samples: _c, metas: _cm, ...candidateInfo } = candidate;
  return {
    baseline: baselineInfo,
    candidate: candidateInfo,
    ...sets,
    regressed: sets.verdicts.some((v) => v.comparison.verdict === 'regressed'),
    warnings: comparabilityWarnings(baseline, candidate),
  };
}
