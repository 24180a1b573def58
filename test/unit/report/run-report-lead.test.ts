/**
 * What the run report says first (issue 12, point 5): the night's verdict, then the open changes of
 * the run's series; trends only for series with at least 3 nights; the scenario's name as title.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { openHistory, type History } from '../../../harness/results/history.ts';
import { writeReports } from '../../../harness/report/write-reports.ts';
import { writeFakeRun } from '../../support/fake-run.ts';
import { nightId, writeNightSeries } from '../../support/night-series.ts';
import { buildReportHistory } from '../../support/report-fixture.ts';
import { tempDir } from '../../support/temp-dirs.ts';

const headings = (html: string): string[] => [...html.matchAll(/<h2[^>]*>(.*?)<\/h2>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ''));
const trendIds = (html: string): string[] => [...html.matchAll(/data-chart="(trend-[^"]+)"/g)].map((m) => m[1]!);

describe('the run report\'s lead', function () {
  this.timeout(120000);
  let root: string;
  let history: History;
  beforeEach(async () => {
    root = await tempDir('passbench-report-lead-');
    history = await openHistory(path.join(root, 'history.sqlite'));
  });
  afterEach(async () => { await history.close(); });

  it('opens with the night verdict (regressed, naming the gating series) and then the open changes', async () => {
    const files = await writeReports(await buildReportHistory(root, history), history);
    const html = await fs.readFile(files.html, 'utf8');
    assert.deepEqual(headings(html).slice(0, 2), ['Night verdict: regressed', 'Open changes (0)']);
    assert.match(html, /<p>12 of 30 gating series regressed: lab1 e1000\/e1000 http\.rate −1\d\.\d %; .*; lab1 vf\/vf0 tcp\.tx\.throughput −1\d\.\d % \(every metric gates the night\)\.<\/p>/);
    const md = await fs.readFile(files.markdown, 'utf8');
    assert.match(md, /^## passbench nightly: FAILED — run `r5`\n\n\*\*Night verdict: REGRESSED\.\*\* 12 of 30 gating series regressed: /);
  });

  it('a first night: no baseline yet, and only the run\'s own charts (no one-point trends)', async () => {
    const dir = path.join(root, 'first');
    await writeFakeRun(dir, { runId: 'first', accel: 'tcg' });
    const files = await writeReports(dir, history);
    const html = await fs.readFile(files.html, 'utf8');
    assert.equal(headings(html)[0], 'Night verdict: no baseline yet');
    assert.match(html, /None of the 30 gating series has enough good nights in the history to be judged yet \(at least 5; every metric gates the night\)\./);
    assert.deepEqual(trendIds(html), []);
    assert.match(html, /<meta name="passbench-chart-count" content="3">/);
    assert.match(await fs.readFile(files.markdown, 'utf8'), /\*\*Night verdict: no baseline yet\.\*\*/);
  });

  it('draws a trend once a series has 3 nights, not at 2', async () => {
    await writeFakeRun(path.join(root, 'a'), { runId: 'a', startedAt: new Date('2026-11-01T02:00:00Z'), modes: ['nic'] });
    await history.importRun(path.join(root, 'a'));
    await writeFakeRun(path.join(root, 'b'), { runId: 'b', startedAt: new Date('2026-11-02T02:00:00Z'), modes: ['nic'] });
    const two = await fs.readFile((await writeReports(path.join(root, 'b'), history)).html, 'utf8');
    assert.deepEqual(trendIds(two), []);
    await history.importRun(path.join(root, 'b'));
    await writeFakeRun(path.join(root, 'c'), { runId: 'c', startedAt: new Date('2026-11-03T02:00:00Z'), modes: ['nic'] });
    const three = await fs.readFile((await writeReports(path.join(root, 'c'), history)).html, 'utf8');
    assert.equal(trendIds(three).length, 10);
  });

  it('lists the open changes of the run\'s series, with what changed, in HTML and Markdown', async () => {
    const dirs = await writeNightSeries(path.join(root, 'nights'), {
      nights: 16, stepAt: 9, step: { metric: 'tcp.tx.throughput', factor: 0.85 }, after: { kernel: '6.12.3-amd64' },
    });
    for (const dir of dirs) await history.importRun(dir);
    const files = await writeReports(dirs.at(-1)!, history);
    const html = await fs.readFile(files.html, 'utf8');
    assert.equal(headings(html)[1], 'Open changes (1)');
    assert.match(html, /<tr><td>lab1 nic\/nic tcp\.tx\.throughput<\/td><td>n09<\/td><td>n08<\/td><td>9\.\d+ Gbit\/s → [78]\.\d+ Gbit\/s<\/td><td>−1\d\.\d %<\/td><td>[^<]+<\/td><td class="regressed">worse<\/td><td>kernel 6\.1\.0-27-amd64 → 6\.12\.3-amd64<\/td><\/tr>/);
    assert.ok(html.indexOf('Open changes (1)') < html.indexOf('<h2>Hosts</h2>'), 'before the run\'s details');
    const md = await fs.readFile(files.markdown, 'utf8');
    assert.match(md, /\*\*Open changes: 1\.\*\*\n\n\| series \| first run after \|.*\n\|---.*\n\| lab1 nic\/nic tcp\.tx\.throughput \| n09 \| n08 \| .* \| worse \| kernel 6\.1\.0-27-amd64 → 6\.12\.3-amd64 \|/);
    assert.equal(nightId(9), 'n09');
  });

  it('names what changed since the host\'s last night (a kernel upgrade with no change point), or says nothing did', async () => {
    await writeFakeRun(path.join(root, 'a'), { runId: 'a', startedAt: new Date('2026-11-01T02:00:00Z'), modes: ['nic'] });
    const first = await fs.readFile((await writeReports(path.join(root, 'a'), history)).markdown, 'utf8');
    assert.match(first, /\*\*Since the last night:\*\* lab1: the first night of this scenario in the history\./);
    await history.importRun(path.join(root, 'a'));
    await writeFakeRun(path.join(root, 'b'), { runId: 'b', startedAt: new Date('2026-11-02T02:00:00Z'), modes: ['nic'] });
    const same = await fs.readFile((await writeReports(path.join(root, 'b'), history)).markdown, 'utf8');
    assert.match(same, /\*\*Since the last night:\*\* lab1: nothing the runs record changed since the last night \(a\)/);
    await history.importRun(path.join(root, 'b'));
    await writeFakeRun(path.join(root, 'c'), { runId: 'c', startedAt: new Date('2026-11-03T02:00:00Z'), modes: ['nic'], kernel: '6.12.3-amd64' });
    const files = await writeReports(path.join(root, 'c'), history);
    const html = await fs.readFile(files.html, 'utf8');
    assert.deepEqual(headings(html).slice(0, 3), ['Night verdict: no baseline yet', 'Open changes (0)', 'Since the last night']);
    assert.match(html, /<li>lab1 since the last night \(b\): kernel 6\.1\.0-27-amd64 → 6\.12\.3-amd64\.<\/li>/);
    assert.match(await fs.readFile(files.markdown, 'utf8'), /\*\*Since the last night:\*\* lab1 since the last night \(b\): kernel 6\.1\.0-27-amd64 → 6\.12\.3-amd64\./);
  });

  it('titles the run by the scenario\'s name, not the path of its file', async () => {
    const dir = path.join(root, 'named');
    await writeFakeRun(dir, { runId: 'named', scenario: '/srv/passbench/scenarios/nightly.ts' });
    const files = await writeReports(dir, history);
    const html = await fs.readFile(files.html, 'utf8');
    assert.match(html, /<title>passbench nightly — run named<\/title>/);
    assert.match(html, /<h1>passbench nightly — run named<\/h1>/);
    assert.match(html, /Scenario \/srv\/passbench\/scenarios\/nightly\.ts\./, 'the file is still named, in the run\'s details');
    assert.match(await fs.readFile(files.markdown, 'utf8'), /^## passbench nightly: passed — run `named`/);
  });
});
