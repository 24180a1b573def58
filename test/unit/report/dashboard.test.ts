import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { acknowledgeChanges } from '../../../harness/results/acknowledge-change.ts';
import { openHistory } from '../../../harness/results/history.ts';
import { runCli } from '../../support/capture-cli.ts';
import { buildDashboardHistory, dashboardRunId as id } from '../../support/dashboard-history.ts';
import { tempDir } from '../../support/temp-dirs.ts';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('passbench dashboard', function () {
  this.timeout(120000);
  let root: string;
  let location: string;
  before(async () => {
    root = await tempDir('passbench-dashboard-');
    location = path.join(root, 'history.sqlite');
    const history = await openHistory(location);
    try {
      await buildDashboardHistory(root, history, { reports: [id('lab1', 16)] });
      await acknowledgeChanges(history, { runId: id('lab1', 9), metrics: ['http.rate'], by: 'alice', why: 'kernel 6.12: expected' });
    } finally {
      await history.close();
    }
  });

  it('writes index.html and a page per host: a PNG trend per series, change points by status, nights linked to their reports', async () => {
    const out = path.join(root, 'site');
    const result = await runCli('dashboard', '--history', location, '--out', out, '--json');
    assert.equal(result.code, 0, result.stderr);
    const files = JSON.parse(result.stdout) as { index: string; hosts: Record<string, string>; charts: number };
    assert.deepEqual(Object.values(files.hosts).map((f) => path.basename(f)), ['host-lab1.html', 'host-lab2.html']);
    assert.equal(files.charts, 20);

    const index = await fs.readFile(files.index, 'utf8');
    assert.match(index, /<td><a href="host-lab1\.html">lab1<\/a><\/td><td class="num">16<\/td><td>2026-10-01<\/td><td>2026-10-16<\/td><td class="num">10<\/td><td class="open-worse">3<\/td><td class="open-better">0<\/td><td class="acknowledged">1<\/td><td class="superseded">0<\/td>/);
    assert.match(index, /<h2 id="open-changes">Open changes \(\d+\)<\/h2>/);
    assert.match(index, /<a href="host-lab1\.html#series-nic-nic-tcp\.tx\.throughput">lab1 nic\/nic tcp\.tx\.throughput<\/a>/);

    const lab1 = await fs.readFile(files.hosts.lab1!, 'utf8');
    const images = [...lab1.matchAll(/<img class="chart" data-chart="([^"]+)" src="data:image\/png;base64,([^"]+)"/g)];
    assert.equal(images.length, Number(/<meta name="passbench-chart-count" content="(\d+)">/.exec(lab1)?.[1]));
    assert.equal(images.length, 10);
    for (const [, , data] of images) assert.deepEqual(Buffer.from(data!, 'base64').subarray(0, 8), PNG);
    assert.ok(!/<script|https?:\/\//.test(lab1), 'self-contained: no script, no external resource');
    assert.match(lab1, /alt="Line chart: nic\/nic tcp\.tx\.throughput \(Gbit\/s\) on lab1, one point a night over 16 nights \(16 measured\); 1 change point\(s\) and 1 night\(s\) with changed kernel, QEMU or other run facts marked"/);
    assert.match(lab1, /<td class="acknowledged">acknowledged by alice: kernel 6\.12: expected<\/td>/);
    assert.match(lab1, /<td class="open-worse">OPEN \(worse\)<\/td><td>kernel 6\.1\.0-27-amd64 → 6\.12\.3-amd64<\/td>/);
    // The night with a report links to it, relative to the site; the others say why there is none.
    assert.match(lab1, /<td><a class="report" href="\.\.\/runs\/lab1-n16\/report\.html">lab1-n16<\/a><\/td>/);
    assert.match(lab1, /<td>lab1-n01 <span class="no-report">\(no report: no report\.html in [^<]*lab1-n01 \(passbench report lab1-n01 writes it\)\)<\/span><\/td>/);
    assert.match(lab1, /<td class="changed">kernel 6\.1\.0-27-amd64 → 6\.12\.3-amd64<\/td>/);

    const lab2 = await fs.readFile(files.hosts.lab2!, 'utf8');
    assert.match(lab2, /<td class="superseded">superseded by lab2-n13<\/td><td>qemu 10\.0\.2 → 10\.1\.0<\/td>/);
    assert.match(lab2, /<td class="open-better">open \(better\)<\/td>/);
  });

  it('--host, --metric and --since narrow it', async () => {
    const out = path.join(root, 'narrow');
    const result = await runCli('dashboard', '--history', location, '--out', out, '--host', 'lab2', '--metric', 'http.rate', '--since', id('lab2', 10));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /wrote .*index\.html and 1 host page\(s\) with 1 chart\(s\)/);
    const page = await fs.readFile(path.join(out, 'host-lab2.html'), 'utf8');
    assert.match(page, /11 nights of lab2 \(2026-10-10 to 2026-10-20\), 1 series/);
  });

  it('bad input: a missing history, an --out that is a file, an unknown --host, each named with the remedy', async () => {
    const missing = await runCli('dashboard', '--history', path.join(root, 'nosuch.sqlite'), '--out', path.join(root, 'x'));
    assert.equal(missing.code, 4, missing.stderr);
    assert.match(missing.stderr, /nosuch\.sqlite/);

    const file = path.join(root, 'a-file');
    await fs.writeFile(file, 'not a folder');
    const outFile = await runCli('dashboard', '--history', location, '--out', file);
    assert.equal(outFile.code, 2);
    assert.match(outFile.stderr, /--out ".*a-file" is a file, not a folder/);
    assert.match(outFile.stderr, /give a folder \(made if missing\)/);
    assert.equal(await fs.readFile(file, 'utf8'), 'not a folder');

    const host = await runCli('dashboard', '--history', location, '--out', path.join(root, 'y'), '--host', 'lab9');
    assert.equal(host.code, 2);
    assert.match(host.stderr, /--host "lab9": no run of that host in the history/);
    assert.match(host.stderr, /hosts in it: lab1, lab2/);
  });

  it('--help teaches what the pages show, with examples and exit codes', async () => {
    const help = await runCli('dashboard', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: passbench dashboard \[options\]/);
    assert.match(help.stdout, /change points passbench changes finds/);
    assert.match(help.stdout, /Examples:\n {2}passbench dashboard /);
    assert.match(help.stdout, /Exit codes: 0 written, 2 bad arguments/);
  });
});
