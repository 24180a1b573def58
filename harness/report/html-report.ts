/**
 * The self-contained HTML page: inline CSS, charts as PNG data: URIs, no script and no
 * external resource. The page states how many charts it holds (meta passbench-chart-count)
 * so a browser test can check that each one was drawn. It leads with the night's verdict and
 * the open change points of the run's series (run-lead.ts), and is titled by scenario name.
 */
import { formatValue } from '../measure/format-value.ts';
import { escapeHtml as h } from './escape.ts';
import type { MetricSummary } from '../results/metric-summary.ts';
import type { RenderedChart } from './report-charts.ts';
import type { ReportData } from '../results/report-data.ts';
import { scenarioName } from '../results/scenario-name.ts';
import { pageHead, table, td, num } from './html-table.ts';
import { NO_OPEN_CHANGE, OPEN_CHANGE_HEADER, openChangeCells, openChangeRow, sinceLastNightSentence, verdictLead } from './run-lead.ts';
import { driverText, linkText, nicText } from './host-facts.ts';
import { TRAFFIC_PATH_HEADER, trafficPathCells, trafficPaths } from './traffic-paths.ts';
import { basisSentence, falseAlarmSentence, gateSentence, sortedVerdicts, verdictCounts, verdictRow } from './verdict-rows.ts';

/** The run report's CSS; the dashboard's pages use it too. */
export const STYLE = `body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222}
h1{font-size:1.5em}table{border-collapse:collapse;margin:1em 0;font-size:.9em}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}
th{background:#f3f3f3}td{vertical-align:top}td.num{white-space:nowrap}.pass,.passed,.unchanged,.improved{color:#176117}.fail,.failed,.no-link,.regressed,.aborted{color:#a40000;font-weight:bold}
.inconclusive,.no-baseline,.skip,.running{color:#8a5a00}.banner{background:#fff3cd;border:1px solid #e0c060;padding:.6em 1em;margin:1em 0}
figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #ddd}figcaption{font-size:.85em;color:#555}`;

function hostsTable(data: ReportData): string {
  return table(['host', 'CPU', 'kernel', 'QEMU', 'accel', 'NIC', 'driver', 'firmware', 'link', 'kernel command line'], data.meta.hosts.map((x) => [
    td(x.name), td(x.cpuModel ?? '–'), td(x.kernel), td(x.qemu), td(x.accel === 'tcg' ? 'TCG (emulated)' : x.virtualLab ? 'KVM inside an emulated (TCG) lab host' : 'KVM'),
    td(nicText(x.nic)), td(driverText(x.nic)), td(x.nic?.firmware ?? '–'), td(linkText(x.nic)), td(x.kernelCmdline)]));
}

function pathsTable(data: ReportData): string {
  const paths = trafficPaths(data.checks);
  if (paths.length === 0) return '<p>No guest was booted.</p>';
  return table([...TRAFFIC_PATH_HEADER], paths.map((p) => trafficPathCells(p).map((cell) => td(cell))));
}

function chartsSection(charts: readonly RenderedChart[]): string {
  return charts.map((c) => `<figure id="chart-${h(c.spec.id)}"><img class="chart" data-chart="${h(c.spec.id)}" src="${c.dataUri}" alt="${h(c.spec.alt)}"><figcaption>${h(c.spec.title)}</figcaption></figure>`).join('\n');
}

function summaryTable(summaries: readonly MetricSummary[]): string {
  return table(['mode', 'metric', 'median', '95 % CI of the median', 'samples'], summaries.map((s) => [
    td(s.mode), td(s.metric), num(formatValue(s.median, s.unit)), num(`${formatValue(s.ci.low, s.unit)} … ${formatValue(s.ci.high, s.unit)}`), num(String(s.n))]));
}

function verdictsSection(data: ReportData): string {
  const j = data.night;
  const lines = [basisSentence(j), falseAlarmSentence(j), gateSentence(j), `These night verdicts replace ${j.replaces}.`];
  return `${lines.map((l) => `<p>${h(l)}</p>`).join('\n')}\n<p>${h(verdictCounts(j))}.</p>\n`
    + table(['host mode/guest metric', 'baseline (mean)', 'nights', 'tonight', 'change', `${Number(((1 - j.alpha) * 100).toPrecision(3))} % interval`, 'p (adjusted)', 'gates', 'verdict', 'why'], sortedVerdicts(j.series).map((v) => {
      const r = verdictRow(v);
      return [td(r.key), num(r.baseline), num(r.nights), num(r.candidate), num(r.change), num(r.ci), num(r.p), td(r.gating ? 'yes' : 'no'), td(r.verdict, r.verdict), td(r.reason)];
    }));
}

function checksTable(data: ReportData): string {
  if (data.checks.length === 0) return '<p>No checks recorded.</p>';
  return table(['host', 'mode', 'guest', 'check', 'status', 'message', 'evidence'], data.checks.map((c) => [
    td(c.host), td(c.mode ?? '–'), td(c.guest ?? '–'), td(c.name), td(c.status, c.status), td(c.message),
    c.details ? `<td><details><summary>show</summary><pre>${h(c.details)}</pre></details></td>` : td('')]));
}

/** The night's verdict in a word, then the open changes of the run's series: what a reader needs first. */
function leadSection(data: ReportData): string {
  const lead = verdictLead(data.night);
  const changes = data.openChanges.length === 0 ? `<p>${h(NO_OPEN_CHANGE)}</p>`
    : table(OPEN_CHANGE_HEADER, data.openChanges.map((c) => {
      const r = openChangeRow(c);
      return openChangeCells(r).map((cell, i) => (i === 6 ? td(cell, r.direction === 'worse' ? 'regressed' : 'improved') : td(cell)));
    }));
  return `<h2 id="night-verdict">Night verdict: <span class="${h(lead.outcome)}">${h(lead.word)}</span></h2>
<p>${h(lead.sentence)}</p>
<h2 id="open-changes">Open changes (${data.openChanges.length})</h2>
${changes}
<h2 id="since-last-night">Since the last night</h2>
<ul>${data.sinceLastNight.map((d) => `<li>${h(sinceLastNightSentence(d))}</li>`).join('')}</ul>`;
}

export function htmlReport(data: ReportData, summaries: readonly MetricSummary[], charts: readonly RenderedChart[]): string {
  const { meta } = data;
  const title = `passbench ${scenarioName(meta.scenario)} — run ${meta.runId}`;
  return `${pageHead(title, charts.length, STYLE)}<h1>${h(title)}${data.emulated ? ' — emulated (TCG)' : ''}</h1>
${data.emulated ? '<p class="banner"><strong>emulated (TCG)</strong>: this run\'s host is a virtual lab under QEMU\'s TCG emulator (its guests under TCG, or under KVM inside it: emulated all the same). Figures show the harness works; they are not the hardware\'s speed.</p>' : ''}
${leadSection(data)}
<h2>Run</h2>
<p>Status: <span class="${h(meta.status)}">${h(meta.status)}</span>${meta.error ? ` — ${h(meta.error)}` : ''}.
Scenario ${h(meta.scenario)}. Started ${h(meta.startedAt)}${meta.endedAt ? `, ended ${h(meta.endedAt)}` : ''}. Scenario hash <code>${h(meta.scenarioHash.slice(0, 12))}</code>,
guest image ${h(meta.guestImage)}, passbench ${h(meta.harnessVersion)}.</p>
<h2>Hosts</h2>
${hostsTable(data)}
<h2>Traffic paths</h2>
${pathsTable(data)}
<h2>Charts</h2>
<p id="chart-count">${charts.length} charts.</p>
${chartsSection(charts)}
<h2>Figures</h2>
${summaryTable(summaries)}
<h2>Night verdict per series</h2>
${verdictsSection(data)}
<h2>Checks</h2>
${checksTable(data)}
</body></html>
`;
}
