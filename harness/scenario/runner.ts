import path from 'node:path';
import type { RunSettings } from '../config/scenario-config.ts';
import { errorMessage } from '../errors.ts';
import { newRunId, SCHEMA_VERSION, type RunMeta } from '../results/schema.ts';
import { HostRun, type HostRunOptions, type HostVerdict } from './host-run.ts';
import type { ReportOutcome, RunOps, RunWriter } from './ops.ts';
import type { Plan } from './plan.ts';
import { plainProgress, type Progress } from './progress.ts';
import type { Pace } from '../wait/index.ts';

/**
 * Runs a plan on every host at once (one HostRun each) into one run directory, then the reports
 * and the comparison. Hosts are independent: one failing does not stop the others; each gets its
 * own verdict, and the outcome's conclusion sums them up (passed; failed or regressed; invalid: the
 * config does not fit a host; unfit: a host is not fit or busy). The CLI maps it to an exit code.
 */
export interface RunnerOptions {
  plan: Plan;
  settings: RunSettings;
  ops: RunOps;
  scenarioFile: string;
  /** sha256 of the scenario file and config it ran with. */
  scenarioHash: string;
  harnessVersion?: string;
  runId?: string;
  progress?: Progress;
  /** Aborted by Ctrl-C / SIGTERM: steps stop, cleanup still runs. */
  signal?: AbortSignal;
  controller?: string;
  pid?: number;
  isAlive?: (pid: number, pidStart?: string) => boolean | Promise<boolean>;
  /** The lab config file (absolute): the restore commands the run prints name it. */
  labFile?: string;
  /** How long to wait for a host another passbench holds (default 0: that host is busy). */
  lockWaitS?: number;
  graceMs?: number;
  /** Scales default deadlines (guest boot, SSH, measurement); default: the accelerator's pace. */
  pace?: Pace;
  now?: () => Date;
}

export interface RunOutcome {
  runId: string;
  runDir?: string;
  status: RunMeta['status'];
  verdicts: HostVerdict[];
  regressions: string[];
  reports: Record<string, string>;
  /** Why reporting failed, if it did. */
  reportError?: string;
  conclusion: RunConclusion;
}

/**
 * The whole run in one word, worst first: `invalid` (the config does not fit a host: nothing was
 * measured there), `failed` (a host failed or was aborted, a regression, or the reports failed),
 * `unfit` (a host is not fit or busy), else `passed`.
 */
export type RunConclusion = 'passed' | 'failed' | 'invalid' | 'unfit';

export async function runPlan(o: RunnerOptions): Promise<RunOutcome> {
  const runId = o.runId ?? newRunId();
  const signal = o.signal ?? new AbortController().signal;
  const progress = o.progress ?? plainProgress((t) => process.stderr.write(t));
  const now = o.now ?? (() => new Date());
  const hostOptions: HostRunOptions = {
    runId, plan: o.plan, settings: o.settings, ops: o.ops, progress, signal, scenarioName: o.plan.scenario.name,
    controller: o.controller, pid: o.pid, isAlive: o.isAlive, labFile: o.labFile, lockWaitS: o.lockWaitS, graceMs: o.graceMs, pace: o.pace, now,
  };
  const runs = o.plan.hosts.map((h) => new HostRun(h, hostOptions));
  progress.begin(runs.map((r) => ({ name: r.plan.name, total: r.stepsTotal })));
  // Every default deadline of the run is a base times this: say once what it is and where it came from.
  if (o.pace) for (const r of runs) progress.log(r.plan.name, `deadlines scaled by ${o.pace}`);
  let writer: RunWriter | undefined;
  let writerError: string | undefined;
  try {
    await Promise.all(runs.map((r) => r.prepare()));
    const ready = runs.filter((r) => r.ready);
    if (ready.length) {
      try {
        writer = await o.ops.openWriter(path.join(o.settings.resultsDir, runId), {
          schema: SCHEMA_VERSION, runId, scenario: o.scenarioFile, scenarioHash: o.scenarioHash,
          harnessVersion: o.harnessVersion ?? 'dev', guestImage: describeImage(ready[0]!.plan.config.guest),
          hosts: ready.map((r) => r.meta!), startedAt: now().toISOString(), status: 'running',
        });
      } catch (error) {
        writerError = `cannot open the results writer: ${errorMessage(error)}`;
      }
      if (writer) await Promise.all(ready.map((r) => r.runCases(writer!)));
    }
  } finally {
    await Promise.all(runs.map((r) => r.close()));
    progress.end();
  }
  const verdicts = runs.map((r) => r.verdict);
  if (writerError) for (const v of verdicts) if (v.status === 'passed') { v.status = 'failed'; v.errors.push(writerError); }
  const status: RunMeta['status'] = signal.aborted ? 'aborted' : verdicts.every((v) => v.status === 'passed') ? 'passed' : 'failed';
  let report: ReportOutcome = { regressions: [], paths: {} };
  let reportError: string | undefined;
  if (writer) {
    try {
      await writer.finish(status, status === 'passed' ? undefined : summarize(verdicts));
      report = await o.ops.report(writer.dir, o.settings, o.plan.scenario.compare?.against.includes('previous') ?? false);
    } catch (error) {
      reportError = errorMessage(error);
    }
  }
  return {
    runId, runDir: writer?.dir, status, verdicts, regressions: report.regressions, reports: report.paths, reportError,
    conclusion: concludeRun(verdicts, report.regressions, reportError),
  };
}

export function concludeRun(verdicts: readonly HostVerdict[], regressions: readonly string[], reportError?: string): RunConclusion {
  if (verdicts.some((v) => v.status === 'invalid')) return 'invalid';
  if (verdicts.some((v) => v.status === 'failed' || v.status === 'aborted') || regressions.length || reportError) return 'failed';
  if (verdicts.some((v) => v.status === 'unfit' || v.status === 'busy')) return 'unfit';
  return 'passed';
}

function summarize(verdicts: readonly HostVerdict[]): string {
  return verdicts.filter((v) => v.status !== 'passed').map((v) => `${v.host}: ${v.status}`).join('; ');
}

function describeImage(guest: Plan['hosts'][number]['config']['guest']): string {
  if (!guest) return 'none';
  return guest.iso ?? guest.qcow2 ?? guest.kernel ?? 'none';
}

/** The verdicts as text: per host, per case, with errors and cleanup failures. */
export function formatOutcome(outcome: RunOutcome): string {
  // Every check can pass on a night that regressed: the headline says what the exit code says.
  const headline = outcome.status === 'passed' && outcome.regressions.length > 0 ? 'REGRESSED (every check passed)' : outcome.status.toUpperCase();
  const lines = [`run ${outcome.runId}: ${headline}`];
  for (const v of outcome.verdicts) {
    lines.push(`  host ${v.host}: ${v.status.toUpperCase()}`);
    for (const c of v.cases) lines.push(`    ${c.status.padEnd(7)} ${c.id}${c.error ? `: ${c.error}` : ''}`);
    for (const e of v.errors) lines.push(`    ${e.replace(/\n/g, '\n    ')}`);
    for (const f of v.cleanupFailures) lines.push(`    CLEANUP FAILED: ${f}`);
  }
  for (const r of outcome.regressions) lines.push(`  REGRESSION: ${r}`);
  if (outcome.reportError) lines.push(`  reports failed: ${outcome.reportError}`);
  if (outcome.runDir) lines.push(`results: ${outcome.runDir}`);
  for (const [kind, file] of Object.entries(outcome.reports)) lines.push(`report (${kind}): ${file}`);
  return lines.join('\n');
}
