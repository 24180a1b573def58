import assert from 'node:assert/strict';
import { nightLabels } from '../../../harness/report/charts/chart-spec.ts';
import { kernelUpgrades } from '../../../harness/report/charts/trend-chart.ts';
import { trendSeries } from '../../../harness/results/trend-series.ts';
import { lineRateBps } from '../../../harness/report/charts/throughput-chart.ts';
import { escapeMarkdownCell, escapeXml } from '../../../harness/report/escape.ts';
import type { RunMedian } from '../../../harness/results/history.ts';

const point = (runId: string, kernel: string, mode: RunMedian['mode'], guest: string, median: number): RunMedian => ({
  runId, startedAt: `2026-11-0${runId.slice(1)}T02:00:00.000Z`, kernel, host: 'lab1', mode, guest, metric: 'tcp.tx.throughput', unit: 'bit/s', n: 12, median,
});

describe('trend series, line rate and escaping', () => {
  it('orders runs, takes the median of several guests of a mode, and marks each kernel change', () => {
    const { runs, medians } = trendSeries([
      point('r1', '6.1', 'nic', 'nic', 9), point('r1', '6.1', 'vf', 'vf0', 8), point('r1', '6.1', 'vf', 'vf1', 6), point('r1', '6.1', 'vf', 'vf2', 7),
      point('r2', '6.1', 'nic', 'nic', 9.1),
      point('r3', '6.12', 'nic', 'nic', 8), point('r3', '6.12', 'vf', 'vf0', 7.5),
      point('r4', '6.12', 'nic', 'nic', 8.1),
      point('r5', '6.1', 'nic', 'nic', 9),
    ]);
    assert.deepEqual(runs.map((r) => r.runId), ['r1', 'r2', 'r3', 'r4', 'r5']);
    assert.deepEqual(medians.get('tcp.tx.throughput')?.get('vf'), [7, undefined, 7.5, undefined, undefined]);
    assert.deepEqual(kernelUpgrades(runs), [{ index: 2, label: 'kernel 6.12' }, { index: 4, label: 'kernel 6.1' }]);
  });

  it('labels nights by date, and by date and time when two nights share a date (a rehearsal\'s nights)', () => {
    assert.deepEqual(nightLabels(['2026-11-01T02:00:00.000Z', '2026-11-02T02:00:00.000Z']), ['2026-11-01', '2026-11-02']);
    assert.deepEqual(nightLabels(['2026-12-03T13:47:44.000Z', '2026-12-03T13:49:20.000Z']), ['2026-12-03 13:47', '2026-12-03 13:49']);
  });

  it('derives the line rate from throughput and its percentage of line rate', () => {
    const s = (metric: string, median: number) => ({ mode: 'nic' as const, metric, unit: 'bit/s' as const, direction: 'higher-is-better' as const, n: 5, median, ci: { low: median, high: median } });
    assert.equal(lineRateBps([s('tcp.tx.throughput', 9.4e9), s('tcp.tx.line_rate', 94)]), 10e9);
    assert.equal(lineRateBps([s('tcp.tx.throughput', 9.4e9)]), undefined);
  });

  it('escapes XML/HTML, replaces characters XML forbids, and keeps Markdown tables intact', () => {
    assert.equal(escapeXml(`<a href="x">&'\u0001</a>`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;\uFFFD&lt;/a&gt;');
    assert.equal(escapeMarkdownCell('a | b\n<c>'), 'a \\| b &lt;c&gt;');
  });
});
