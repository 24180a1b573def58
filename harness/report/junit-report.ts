/**
 * JUnit XML for Jenkins/GitLab: one test case for the run's status, one per check and one per
 * regression verdict. A run that did not pass, fail / no-link checks and regressions are
 * failures; skipped checks are skipped.
 */
import { escapeXml as x } from './escape.ts';
import type { ReportData } from '../results/report-data.ts';
import { verdictRow } from './verdict-rows.ts';

interface Case { classname: string; name: string; failure?: { message: string; body: string }; skipped?: string }

function suite(name: string, cases: readonly Case[], timestamp: string): string {
  const failures = cases.filter((c) => c.failure).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const body = cases.map((c) => {
    const inner = c.failure
      ? `<failure message="${x(c.failure.message)}" type="failure">${x(c.failure.body)}</failure>`
      : c.skipped !== undefined ? `<skipped message="${x(c.skipped)}"/>` : '';
    return `    <testcase classname="${x(c.classname)}" name="${x(c.name)}" time="0"${inner ? `>${inner}</testcase>` : '/>'}`;
  });
  return `  <testsuite name="${x(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" timestamp="${x(timestamp.replace(/\.\d+Z$/, ''))}">\n${body.join('\n')}\n  </testsuite>`;
}

export function junitReport(data: ReportData): string {
  const { meta } = data;
  // The run itself is a test case too: a run that failed or was aborted is a failure even
  // when every check it got to passed.
  const run: Case = {
    classname: `passbench.${meta.scenario}.run`,
    name: 'run-status',
    ...(meta.status === 'passed' ? {} : { failure: { message: `run ${meta.status}${meta.error ? `: ${meta.error}` : ''}`, body: meta.error ?? `status ${meta.status}` } }),
  };
  const checks: Case[] = [run, ...data.checks.map((c) => ({
    classname: `passbench.${meta.scenario}.checks.${c.host}${c.mode ? `.${c.mode}` : ''}${c.guest ? `.${c.guest}` : ''}`,
    name: c.name,
    ...(c.status === 'fail' || c.status === 'no-link'
      ? { failure: { message: `${c.status}: ${c.message}`, body: c.details ?? c.message } }
      : c.status === 'skip' ? { skipped: c.message } : {}),
  }))];
  const verdicts: Case[] = data.night.series.map((v) => {
    const row = verdictRow(v);
    return {
      classname: `passbench.${meta.scenario}.regressions.${v.host}.${v.mode}.${v.guest}`,
      name: v.metric,
      ...(v.verdict === 'regressed' && v.gating
        ? { failure: { message: `regressed: ${row.change} against ${row.nights} nights`, body: `${row.baseline} → ${row.candidate}; ${row.reason}` } }
        : v.verdict === 'no-baseline' ? { skipped: row.reason } : {}),
    };
  });
  const suites = [suite(`passbench ${meta.runId} checks`, checks, meta.startedAt)];
  if (verdicts.length > 0) suites.push(suite(`passbench ${meta.runId} night verdicts`, verdicts, meta.startedAt));
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="passbench ${x(meta.runId)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
