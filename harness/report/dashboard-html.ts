/**
 * The dashboard's pages (results/dashboard-data.ts decided what is on them): index.html lists the
 * hosts and every open change; one page per host holds a trend per series (PNG data: URIs drawn
 * by charts/series-trend-chart.ts), its change points and its nights, each night linking to its
 * run's report.html (a relative link) or saying why there is none. Like the run report: inline
 * CSS, no script, no external resource, and meta passbench-chart-count for the browser test.
 */
import { formatChange, formatValue } from '../measure/format-value.ts';
import type { SeriesChange } from '../results/changes.ts';
import type { DashboardData, DashboardHost, DashboardNight, RunReport } from '../results/dashboard-data.ts';
import { scenarioName } from '../results/scenario-name.ts';
import { escapeHtml as h } from './escape.ts';
import { STYLE } from './html-report.ts';
import { pageHead, table, td, num } from './html-table.ts';
import type { RenderedChart } from './report-charts.ts';
import { CHANGE_COLOURS, provenanceLabel, seriesChartId } from './charts/series-trend-chart.ts';

const DASHBOARD_STYLE = `${STYLE}
.open-worse{color:${CHANGE_COLOURS.worse};font-weight:bold}.open-better{color:${CHANGE_COLOURS.better}}.acknowledged{color:${CHANGE_COLOURS.acknowledged}}
.superseded{color:#777}.no-report{color:#777;font-style:italic}td.changed{background:#f6f6f6}`;

/** A report's link, as the page's href: relative to the dashboard folder, each segment URL-encoded. */
export type ReportHref = (report: RunReport) => string | undefined;

function page(title: string, charts: number, body: string): string {
  return `${pageHead(title, charts, DASHBOARD_STYLE)}<h1>${h(title)}</h1>
${body}
</body></html>
`;
}

const LEGEND = `<p>One point a night: the night value (the Hodges–Lehmann estimate of the night's repetitions) that
<code>passbench changes</code> searches. On the charts, <strong>dashed grey</strong> lines mark the nights whose run facts
differ from the night before (kernel, QEMU, guest image, harness version, config hash, NIC driver or firmware; labels at the
top), and <strong>solid</strong> lines the change points, labels at the bottom: <span class="open-worse">open, for the worse</span>,
<span class="open-better">open, for the better</span>, <span class="acknowledged">acknowledged</span>,
<span class="superseded">superseded</span>.</p>`;

export function changeClass(c: Pick<SeriesChange, 'status' | 'regression'>): string {
  return c.status === 'open' ? (c.regression ? 'open-worse' : 'open-better') : c.status;
}

function statusWords(c: SeriesChange): string {
  if (c.status === 'acknowledged') return `acknowledged by ${c.acknowledgement?.by ?? '?'}: ${c.acknowledgement?.why ?? ''}`;
  if (c.status === 'superseded') return `superseded by ${c.supersededBy}`;
  return c.regression ? 'OPEN (worse)' : 'open (better)';
}

function reportCell(report: RunReport, href: ReportHref, text: string): string {
  const link = href(report);
  return link === undefined ? `<td>${h(text)} <span class="no-report">(no report: ${h('missing' in report ? report.missing : '')})</span></td>`
    : `<td><a class="report" href="${h(link)}">${h(text)}</a></td>`;
}

function changesTable(changes: readonly SeriesChange[], reports: ReadonlyMap<string, RunReport>, href: ReportHref, hostPage?: (host: string) => string): string {
  if (changes.length === 0) return '<p>No change points.</p>';
  return table(['first run after', 'run before', 'series', 'before → after', 'change', '95 % CI', 'p', 'status', 'what changed'], changes.map((c) => {
    const series = `${c.host} ${c.mode}/${c.guest} ${c.metric}`;
    const changed = Object.entries(c.changed).map(([name, d]) => `${name} ${d.before} → ${d.after}`).join('; ') || '–';
    const report = reports.get(c.runId) ?? { missing: 'not a night shown here' };
    return [
      reportCell(report, href, c.runId), td(c.previousRunId),
      hostPage ? `<td><a href="${h(hostPage(c.host))}#${h(seriesChartId(c))}">${h(series)}</a></td>` : td(series),
      num(`${formatValue(c.before, c.unit)} → ${formatValue(c.after, c.unit)}`), num(formatChange(c.change)),
      num(c.ci ? `${formatChange(c.ci.low)} … ${formatChange(c.ci.high)}` : '–'), num(c.pValue.toPrecision(2)),
      td(statusWords(c), changeClass(c)), td(changed),
    ];
  }));
}

function nightsTable(nights: readonly DashboardNight[], href: ReportHref): string {
  return table(['night', 'run (report)', 'status', 'scenario', 'kernel', 'QEMU', 'changed since the night before'], nights.map((n) => {
    const changed = provenanceLabel(n.changed);
    const details = Object.entries(n.changed).map(([name, d]) => `${name} ${d.before} → ${d.after}`).join('; ');
    return [
      td(n.startedAt.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z')), reportCell(n.report, href, n.runId), td(n.status, n.status),
      td(scenarioName(n.scenario)), td(n.kernel), td(n.qemu), changed === undefined ? td('') : td(details, 'changed'),
    ];
  }));
}

/** Every change of the host's series, oldest first. */
export function hostChanges(host: DashboardHost): SeriesChange[] {
  return host.series.flatMap((s) => s.changes).sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.metric.localeCompare(b.metric));
}

export function hostPageHtml(data: DashboardData, host: DashboardHost, charts: readonly RenderedChart[], href: ReportHref): string {
  const reports = new Map(host.nights.map((n) => [n.runId, n.report]));
  const changes = hostChanges(host);
  const outliers = host.series.flatMap((s) => s.outliers);
  const first = host.nights[0]?.startedAt.slice(0, 10) ?? '–';
  const last = host.nights.at(-1)?.startedAt.slice(0, 10) ?? '–';
  const figures = charts.map((c, i) => {
    const s = host.series[i]!;
    const latest = s.points.at(-1);
    const caption = `${c.spec.title}: ${s.points.length} nights measured${latest ? `, latest ${formatValue(latest.value, s.unit)} (${latest.runId})` : ''}; `
      + `${s.changes.length} change point(s)${s.changes.length > 0 ? ` (${s.changes.map((x) => `${x.runId} ${formatChange(x.change)} ${x.status}`).join(', ')})` : ''}`;
    return `<figure id="${h(c.spec.id)}"><img class="chart" data-chart="${h(c.spec.id)}" src="${c.dataUri}" alt="${h(c.spec.alt)}"><figcaption>${h(caption)}</figcaption></figure>`;
  });
  const body = `<p><a href="index.html">All hosts</a>. History ${h(data.history)}${data.since ? `, nights from ${h(data.since)}` : ''}:
${host.nights.length} nights of ${h(host.name)} (${h(first)} to ${h(last)}), ${host.series.length} series.</p>
${LEGEND}
<h2 id="changes">Change points (${changes.length})</h2>
${changesTable(changes, reports, href)}
${outliers.length === 0 ? '' : `<p>Outlier nights (one odd night between nights at one level; not a change): ${h(outliers.map((o) => `${o.runId} ${o.mode}/${o.guest} ${o.metric} ${formatChange(o.change)}`).join('; '))}.</p>`}
<h2 id="charts">Trends</h2>
<p id="chart-count">${charts.length} charts.</p>
${figures.join('\n')}
<h2 id="nights">Nights (${host.nights.length})</h2>
${nightsTable(host.nights, href)}`;
  return page(`passbench dashboard — ${host.name}`, charts.length, body);
}

export function indexHtml(data: DashboardData, hostPage: (host: string) => string, href: ReportHref): string {
  const rows = data.hosts.map((host) => {
    const changes = hostChanges(host);
    const count = (f: (c: SeriesChange) => boolean) => String(changes.filter(f).length);
    return [
      `<td><a href="${h(hostPage(host.name))}">${h(host.name)}</a></td>`, num(String(host.nights.length)),
      td(host.nights[0]?.startedAt.slice(0, 10) ?? '–'), td(host.nights.at(-1)?.startedAt.slice(0, 10) ?? '–'), num(String(host.series.length)),
      td(count((c) => c.status === 'open' && c.regression), 'open-worse'), td(count((c) => c.status === 'open' && !c.regression), 'open-better'),
      td(count((c) => c.status === 'acknowledged'), 'acknowledged'), td(count((c) => c.status === 'superseded'), 'superseded'),
    ];
  });
  const open = data.hosts.flatMap(hostChanges).filter((c) => c.status === 'open');
  const reports = new Map(data.hosts.flatMap((host) => host.nights.map((n) => [n.runId, n.report] as const)));
  const body = `<p>History ${h(data.history)}${data.since ? `, nights from ${h(data.since)}` : ''}: ${data.hosts.length} host(s).</p>
${LEGEND}
<h2>Hosts</h2>
${table(['host', 'nights', 'first', 'last', 'series', 'open, worse', 'open, better', 'acknowledged', 'superseded'], rows)}
<h2 id="open-changes">Open changes (${open.length})</h2>
${changesTable(open, reports, href, hostPage)}`;
  return page('passbench dashboard', 0, body);
}
