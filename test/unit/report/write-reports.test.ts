import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openHistory, type History } from '../../../harness/results/history.ts';
import { writeReports } from '../../../harness/report/write-reports.ts';
import { runCli } from '../../support/capture-cli.ts';
import { forEachBackend } from '../../support/history-backends.ts';
import { buildReportHistory } from '../../support/report-fixture.ts';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('reports', function () {
  this.timeout(60000);
  let root: string;
  beforeEach(async () => { root = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-report-')); });
  afterEach(async () => { await fs.rm(root, { recursive: true, force: true }); });

  forEachBackend((backend) => {
    let history: History;
    beforeEach(async () => { history = await backend.open(); });
    afterEach(async () => { await history.close(); });

    it('writes report.html with every chart as an embedded PNG, and the count it claims', async () => {
      const dir = await buildReportHistory(root, history);
      const files = await writeReports(dir, history);
      assert.deepEqual(Object.values(files).map((f) => path.basename(f)), ['report.html', 'report.md', 'junit.xml', 'results.json']);
      const html = await fs.readFile(files.html, 'utf8');
      const images = [...html.matchAll(/<img class="chart" data-chart="([^"]+)" src="data:image\/png;base64,([^"]+)"/g)];
      const claimed = Number(/<meta name="passbench-chart-count" content="(\d+)">/.exec(html)?.[1]);
      assert.equal(images.length, claimed);
      // throughput, latency, HTTP and one trend per metric (10 metrics)
      assert.deepEqual(images.map((m) => m[1]).slice(0, 3), ['throughput', 'latency', 'http-rate']);
      assert.equal(images.filter((m) => m[1]!.startsWith('trend-')).length, 10);
      for (const [, , data] of images) assert.deepEqual(Buffer.from(data!, 'base64').subarray(0, 8), PNG);
      const has = (re: RegExp) => assert.ok(re.test(html), `report.html does not match ${re}`);
      assert.ok(!/<script|https?:\/\//.test(html), 'self-contained: no script, no external resource');
      assert.ok(!/emulated \(TCG\)/.test(html), 'a KVM run is not labelled emulated');
      has(/<td>6\.12\.3-amd64<\/td>/);
      has(/alt="Line chart: tcp\.tx\.throughput \(Gbit\/s\) per run over 6 runs for nic, vf, e1000; 1 kernel upgrade\(s\) marked"/);
      has(/<td class="regressed">regressed<\/td>/);
      has(/Tonight against the last 10 good nights of each series \(at least 5 needed\); a night that came out regressed is never part of a later baseline\./);
      has(/False alarms controlled across the night&apos;s 30 judged metrics by Benjamini–Hochberg at 5 % \(on average at most 5 % of the changes flagged are false\): \d+ kept, \d+ withdrawn/);
      has(/These night verdicts replace the pairwise verdicts of tonight/);
      has(/<th>99 % interval<\/th>/);
      has(/&lt;link down&gt; &amp; &quot;no carrier&quot;/);
    });
  });

  describe('Markdown, JUnit and JSON', () => {
    let history: History;
    let files: Awaited<ReturnType<typeof writeReports>>;
    beforeEach(async () => {
      history = await openHistory(path.join(root, 'history.sqlite'));
      files = await writeReports(await buildReportHistory(root, history, { accel: 'tcg' }), history);
    });
    afterEach(async () => { await history.close(); });

    it('labels an emulated (TCG) run in HTML and Markdown', async () => {
      assert.ok(/<h1>[^<]*— emulated \(TCG\)<\/h1>/.test(await fs.readFile(files.html, 'utf8')), 'TCG label in the title');
      assert.match(await fs.readFile(files.markdown, 'utf8'), /\*\*emulated \(TCG\)\*\*/);
    });

    it('labels KVM guests nested in an emulated lab host as emulated, and says where KVM ran', async () => {
      const nested = await writeReports(await buildReportHistory(path.join(root, 'nested'), history, { accel: 'kvm', virtualLab: true }), history);
      const html = await fs.readFile(nested.html, 'utf8');
      assert.ok(/<h1>[^<]*— emulated \(TCG\)<\/h1>/.test(html), 'emulated label in the title');
      assert.match(html, /<td>KVM inside an emulated \(TCG\) lab host<\/td>/);
      assert.match(await fs.readFile(nested.markdown, 'utf8'), /\*\*emulated \(TCG\)\*\*/);
    });

    it("shows each host's provenance: CPU, NIC, driver and version, firmware, link speed and MTU", async () => {
      const html = await fs.readFile(files.html, 'utf8');
      assert.match(html, /<td>Intel\(R\) Xeon\(R\) CPU E5-2680 v4 @ 2\.40GHz<\/td>/);
      assert.match(html, /<td>82599ES 10-Gigabit SFI\/SFP\+ \(8086:10fb, 0000:03:00\.0\)<\/td><td>ixgbe 6\.1\.0<\/td><td>0x800007f4<\/td><td>10 Gbit\/s, MTU 1500 \(enp3s0f0\)<\/td>/);
      assert.match(await fs.readFile(files.markdown, 'utf8'),
        /CPU Intel\(R\) Xeon\(R\) CPU E5-2680 v4 @ 2\.40GHz, NIC 82599ES 10-Gigabit SFI\/SFP\+ \(8086:10fb, 0000:03:00\.0\): ixgbe 6\.1\.0, firmware 0x800007f4, 10 Gbit\/s, MTU 1500 \(enp3s0f0\)/);
    });

    it('Markdown summary: verdict, regressions first, failed checks', async () => {
      const md = await fs.readFile(files.markdown, 'utf8');
      assert.match(md, /^## passbench nightly: FAILED — run `r5`/);
      assert.match(md, /- night verdict: \d+ regressed, \d+ improved, \d+ unchanged, \d+ inconclusive, 0 no-baseline\n- Tonight against the last 10 good nights/);
      assert.match(md, /- False alarms controlled across the night's 30 judged metrics by Benjamini–Hochberg at 5 %/);
      assert.match(md, /\| lab1 nic\/nic tcp\.tx\.throughput \| 9\.\d+ Gbit\/s \| 5 \| [78]\.\d+ Gbit\/s \| −1\d\.\d % \| .* \| \*\*REGRESSED\*\* \|/);
      assert.match(md, /### Failed checks\n\n\| host \| mode \| check \| status \| message \|\n\|---\|---\|---\|---\|---\|\n\| lab1 \| vf \| link-up \| no-link \| eth1 has no carrier \|/);
    });

    it('JUnit: one test case per check and per verdict, failures for no-link and regressions, escaped', async () => {
      const xml = await fs.readFile(files.junit, 'utf8');
      const json = JSON.parse(await fs.readFile(files.json, 'utf8'));
      const cases = xml.match(/<testcase /g)!.length;
      assert.equal(cases, 1 + json.checks.length + json.night.series.length);
      assert.match(xml, /<testcase classname="passbench\.nightly\.run" name="run-status" time="0"\/>/);
      const regressed = json.night.series.filter((v: { verdict: string }) => v.verdict === 'regressed').length;
      assert.ok(regressed >= 6, `throughput and rates of three modes regressed, got ${regressed}`);
      assert.equal(xml.match(/<failure /g)!.length, regressed + 1);
      assert.match(xml, /<testsuite name="passbench r5 checks" tests="7" failures="1"/);
      assert.match(xml, /name="link-up" time="0"><failure message="no-link: eth1 has no carrier" type="failure">igbvf 0000:00:04\.0: &lt;link down&gt; &amp; &quot;no carrier&quot;<\/failure>/);
      assert.doesNotMatch(xml.replace(/&(amp|lt|gt|quot|apos);/g, ''), /&|<(?![/?a-z])/);
    });

    it('results.json holds the meta, samples, checks and the night verdicts, with the nights used and what they replace', async () => {
      const json = JSON.parse(await fs.readFile(files.json, 'utf8'));
      assert.equal(json.meta.runId, 'r5');
      assert.equal(json.samples.length, 3 * 10 * 13);
      assert.equal(json.checks.length, 6);
      assert.equal(json.night.method, 'night');
      assert.deepEqual(json.night.basis, { kind: 'last-good', nights: 10, minNights: 5 });
      assert.equal(json.night.series.length, 30);
      assert.deepEqual(json.night.series[0].baseline.runIds, ['r0', 'r1', 'r2', 'r3', 'r4']);
      assert.equal(json.night.falseAlarms.method, 'benjamini-hochberg');
      assert.equal(json.night.falseAlarms.tests, 30);
      assert.match(json.night.replaces, /pairwise verdicts .* against the last passed run/);
      assert.equal(json.verdicts, undefined);
    });
  });

  it('JUnit: a failed run is a failure even when its checks passed', async () => {
    const history = await openHistory(path.join(root, 'history.sqlite'));
    try {
      const files = await writeReports(await buildReportHistory(root, history, { status: 'failed', failingCheck: false }), history);
      const xml = await fs.readFile(files.junit, 'utf8');
      assert.match(xml, /<testcase classname="passbench\.nightly\.run" name="run-status" time="0"><failure message="run failed"/);
      assert.match(xml, /tests="7" failures="1"/);
    } finally {
      await history.close();
    }
  });

  it('passbench report rewrites the reports of a run given by id or directory', async () => {
    const loc = path.join(root, 'history.sqlite');
    const history = await openHistory(loc);
    const dir = await buildReportHistory(root, history);
    await history.close();
    const byDir = await runCli('report', dir, '--history', loc);
    assert.equal(byDir.code, 0, byDir.stderr);
    assert.match(byDir.stdout, /report\.html\n.*report\.md\n.*junit\.xml\n.*results\.json/);
    // r3 is in the history (imported from its directory): found by id.
    const byId = await runCli('report', 'r3', '--history', loc, '--json');
    assert.equal(byId.code, 0, byId.stderr);
    assert.equal(JSON.parse(byId.stdout).html, path.join(root, 'r3', 'report.html'));
    const missing = await runCli('report', 'nosuch', '--history', loc, '--runs-dir', root);
    assert.equal(missing.code, 4); // the results cannot be read
    assert.match(missing.stderr, /"nosuch" is neither a run directory nor the id of a run/);
  });
});
