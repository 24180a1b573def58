/** A Markdown summary short enough for a CI comment or an e-mail. */
import { driverText, linkText, nicText } from './host-facts.ts';
import { TRAFFIC_PATH_HEADER, trafficPathCells, trafficPaths } from './traffic-paths.ts';
import { formatValue } from '../measure/format-value.ts';
import { escapeMarkdownCell as m } from './escape.ts';
import type { MetricSummary } from '../results/metric-summary.ts';
import type { ReportData } from '../results/report-data.ts';
import { scenarioName } from '../results/scenario-name.ts';
import { NO_OPEN_CHANGE, OPEN_CHANGE_HEADER, openChangeCells, openChangeRow, sinceLastNightSentence, verdictLead } from './run-lead.ts';
import { basisSentence, falseAlarmSentence, sortedVerdicts, verdictCounts, verdictRow } from './verdict-rows.ts';

const HEADLINE_METRICS = ['tcp.tx.throughput', 'tcp.rx.throughput', 'latency.idle.p50', 'latency.load.p99', 'http.rate'];

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(m).join(' | ')} |`)];
}

export function markdownReport(data: ReportData, summaries: readonly MetricSummary[]): string {
  const { meta } = data;
  const regressions = data.night.series.filter((v) => v.gating && v.verdict === 'regressed');
  const failedChecks = data.checks.filter((c) => c.status === 'fail' || c.status === 'no-link');
  const ok = meta.status === 'passed' && regressions.length === 0 && failedChecks.length === 0;
  const lines = [
    `## passbench ${scenarioName(meta.scenario)}: ${ok ? 'passed' : 'FAILED'} — run \`${meta.runId}\``,
    '',
  ];
  // The night's verdict and the open changes first: what a reader of a CI comment needs.
  const lead = verdictLead(data.night);
  lines.push(`**Night verdict: ${lead.outcome === 'regressed' ? 'REGRESSED' : lead.word}.** ${m(lead.sentence)}`, '');
  lines.push(`**Open changes: ${data.openChanges.length}.**${data.openChanges.length === 0 ? ` ${m(NO_OPEN_CHANGE)}` : ''}`, '');
  if (data.openChanges.length > 0) lines.push(...table(OPEN_CHANGE_HEADER, data.openChanges.map((c) => openChangeCells(openChangeRow(c)))), '');
  lines.push(`**Since the last night:** ${data.sinceLastNight.map((d) => m(sinceLastNightSentence(d))).join(' ')}`, '');
  if (data.emulated) lines.push('> **emulated (TCG)**: figures come from a virtual lab under TCG, not hardware speed.', '');
  for (const h of meta.hosts) {
    lines.push(`- host **${m(h.name)}**: kernel ${m(h.kernel)}, QEMU ${m(h.qemu)}, ${h.accel.toUpperCase()}${h.cpuModel ? `, CPU ${m(h.cpuModel)}` : ''}`
      + `${h.nic ? `, NIC ${m(nicText(h.nic))}: ${m(driverText(h.nic))}, firmware ${m(h.nic.firmware)}, ${m(linkText(h.nic))}` : ''}`);
  }
  lines.push(`- status: ${meta.status}${meta.error ? ` (${m(meta.error)})` : ''}; started ${meta.startedAt}${meta.endedAt ? `, ended ${meta.endedAt}` : ''}`);
  lines.push(`- checks: ${data.checks.length - failedChecks.length}/${data.checks.length} passed`);
  lines.push(`- night verdict: ${verdictCounts(data.night)}${data.night.gate === 'all' ? '' : ` (gating: ${data.night.gate.join(', ') || 'none'})`}`);
  lines.push(`- ${basisSentence(data.night)}`, `- ${falseAlarmSentence(data.night)}`);
  const paths = trafficPaths(data.checks);
  if (paths.length > 0) lines.push('', ...table([...TRAFFIC_PATH_HEADER], paths.map(trafficPathCells)));
  const headline = summaries.filter((s) => HEADLINE_METRICS.includes(s.metric));
  if (headline.length > 0) {
    lines.push('', ...table(['mode', 'metric', 'median', '95 % CI', 'n'], headline.map((s) => [
      s.mode, s.metric, formatValue(s.median, s.unit), `${formatValue(s.ci.low, s.unit)} … ${formatValue(s.ci.high, s.unit)}`, String(s.n)])));
  }
  const notable = sortedVerdicts(data.night.series).filter((v) => v.verdict !== 'unchanged' && v.verdict !== 'no-baseline');
  if (notable.length > 0) {
    lines.push('', '### Changes against the baseline nights', '', ...table(['', 'baseline', 'nights', 'tonight', 'change', 'interval', 'p (adj.)', 'verdict'], notable.map((v) => {
      const r = verdictRow(v);
      return [r.key, r.baseline, r.nights, r.candidate, r.change, r.ci, r.p, r.verdict === 'regressed' ? (r.gating ? '**REGRESSED**' : 'regressed (not gating)') : r.verdict];
    })));
  }
  if (failedChecks.length > 0) {
    lines.push('', '### Failed checks', '', ...table(['host', 'mode', 'check', 'status', 'message'], failedChecks.map((c) => [c.host, c.mode ?? '', c.name, c.status, c.message])));
  }
  return `${lines.join('\n')}\n`;
}
