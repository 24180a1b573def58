import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openHistory } from '../../../harness/results/history.ts';
import { runCli } from '../../support/capture-cli.ts';
import { doctoredCopy } from '../../support/doctor-run.ts';
import { writeFakeRun } from '../../support/fake-run.ts';

interface Verdicts { regressed: boolean; verdicts: { mode: string; metric: string; comparison: { verdict: string } }[] }

describe('passbench compare', () => {
  let root: string;
  let loc: string;
  const dir = (name: string) => path.join(root, name);
  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-compare-'));
    loc = dir('history.sqlite');
    const same = { repetitions: 20, noise: 0.02 };
    await writeFakeRun(dir('base'), { runId: 'base', startedAt: new Date('2026-11-01T02:00:00Z'), seed: 11, ...same });
    await writeFakeRun(dir('again'), { runId: 'again', startedAt: new Date('2026-11-02T02:00:00Z'), seed: 12, ...same });
    await writeFakeRun(dir('k612'), { runId: 'k612', startedAt: new Date('2026-11-03T02:00:00Z'), seed: 13, kernel: '6.12.3-amd64', ...same, throughputFactor: 0.85 });
    await writeFakeRun(dir('failed'), { runId: 'failed', startedAt: new Date('2026-11-03T12:00:00Z'), seed: 14, status: 'failed', ...same });
    await doctoredCopy(dir('base'), dir('slow'), { runId: 'slow', factor: 0.85, metrics: /throughput$/, startedAt: '2026-11-04T02:00:00.000Z' });
    const history = await openHistory(loc);
    for (const name of ['base', 'again', 'k612', 'failed', 'slow']) await history.importRun(dir(name));
    await history.close();
  });
  after(async () => { await fs.rm(root, { recursive: true, force: true }); });

  const verdictOf = (r: Verdicts, metric: string, mode = 'nic') => r.verdicts.find((v) => v.metric === metric && v.mode === mode)?.comparison.verdict;

  it('flags a doctored copy (throughput × 0.85) as regressed, with exit code 1', async () => {
    const result = await runCli('compare', 'base', 'slow', '--history', loc, '--json');
    assert.equal(result.code, 1, result.stderr);
    const parsed = JSON.parse(result.stdout) as Verdicts;
    assert.equal(parsed.regressed, true);
    for (const mode of ['nic', 'vf', 'e1000']) {
      assert.equal(verdictOf(parsed, 'tcp.tx.throughput', mode), 'regressed');
      assert.equal(verdictOf(parsed, 'tcp.rx.throughput', mode), 'regressed');
      assert.notEqual(verdictOf(parsed, 'latency.idle.p50', mode), 'regressed');
    }
    const table = await runCli('compare', 'base', 'slow', '--history', loc);
    assert.equal(table.code, 1);
    assert.match(table.stdout, /lab1 +nic +nic +tcp\.tx\.throughput +9\.\d\d Gbit\/s +[78]\.\d\d Gbit\/s +−1\d\.\d % .* REGRESSED/);
    assert.match(table.stdout, /\d+ regressed, 0 improved, .* — REGRESSION/);
    assert.doesNotMatch(table.stdout, /warning/);
  });

  it('gives unchanged for two runs drawn from the same distribution (exit 0)', async () => {
    const result = await runCli('compare', 'base', 'again', '--history', loc, '--json');
    assert.equal(result.code, 0, result.stderr);
    const parsed = JSON.parse(result.stdout) as Verdicts;
    assert.equal(parsed.verdicts.length, 3 * 10);
    assert.deepEqual([...new Set(parsed.verdicts.map((v) => v.comparison.verdict))], ['unchanged']);
  });

  it('pools runs by selector: kernel=6.1 against kernel=6.12 (failed runs left out)', async () => {
    const result = await runCli('compare', '--baseline', 'kernel=6.1', '--candidate', 'kernel=6.12', '--history', loc, '--json');
    assert.equal(result.code, 1, result.stderr);
    const parsed = JSON.parse(result.stdout) as Verdicts & { baseline: { runIds: string[]; label: string } };
    assert.deepEqual(parsed.baseline.runIds.sort(), ['again', 'base', 'slow']);
    assert.equal(verdictOf(parsed, 'http.rate', 'vf'), 'regressed');
  });

  it('compares against the last good night, and reads run directories directly', async () => {
    // Before k612 (6.12, 15 % slower) the last passed nightly on lab1 is 'again' ('failed' came later).
    const viaLastGood = await runCli('compare', '--baseline', 'last-good', 'k612', '--history', loc, '--json');
    assert.equal(viaLastGood.code, 1, viaLastGood.stderr);
    assert.match(JSON.parse(viaLastGood.stdout).baseline.label, /last good night: run again/);
    const byDir = await runCli('compare', dir('base'), dir('again'), '--history', loc);
    assert.equal(byDir.code, 0, byDir.stderr);
    assert.match(byDir.stdout, /baseline: +run base \(/);
  });

  it('warns when KVM figures are compared with TCG ones', async () => {
    await writeFakeRun(dir('tcg'), { runId: 'tcg', startedAt: new Date('2026-11-05T02:00:00Z'), seed: 15, accel: 'tcg', repetitions: 20, noise: 0.02 });
    const result = await runCli('compare', 'base', dir('tcg'), '--history', loc);
    assert.match(result.stdout, /warning: the baseline ran under KVM and the candidate under TCG: the figures are not comparable/);
  });

  it('names each recorded fact that differs between the sides: kernel, NIC firmware, link', async () => {
    const kernels = await runCli('compare', 'base', 'k612', '--history', loc);
    assert.match(kernels.stdout, /warning: host lab1: kernel differs: baseline 6\.1\.0-27-amd64; candidate 6\.12\.3-amd64/);
    assert.equal(kernels.stdout.match(/warning/g)?.length, 1, kernels.stdout);
    // The same figures, but the card's firmware was flashed and its link came up at 1 GbE.
    await doctoredCopy(dir('base'), dir('flashed'), { runId: 'flashed', factor: 1, metrics: /^$/, startedAt: '2026-11-06T02:00:00.000Z' });
    const meta = JSON.parse(await fs.readFile(path.join(dir('flashed'), 'run.json'), 'utf8'));
    meta.hosts[0].nic = { ...meta.hosts[0].nic, firmware: '0x80000aaa', linkSpeedMbps: 1000 };
    await fs.writeFile(path.join(dir('flashed'), 'run.json'), JSON.stringify(meta));
    const flashed = await runCli('compare', 'base', dir('flashed'), '--history', loc, '--json');
    assert.deepEqual(JSON.parse(flashed.stdout).warnings, [
      'host lab1: nicFirmware differs: baseline 0x800007f4; candidate 0x80000aaa',
      'host lab1: nicLinkSpeed differs: baseline 10000 Mbit/s; candidate 1000 Mbit/s',
    ]);
  });

  it('a per-metric threshold changes the verdict: 20 % tolerates a 15 % drop', async () => {
    const result = await runCli('compare', 'base', 'slow', '--threshold', 'tcp.*=20', '--history', loc, '--json');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(verdictOf(JSON.parse(result.stdout), 'tcp.tx.throughput'), 'unchanged');
  });

  it('names what it cannot find or parse', async () => {
    const missing = await runCli('compare', 'base', 'nosuchrun', '--history', loc);
    assert.equal(missing.code, 4);
    assert.match(missing.stderr, /run nosuchrun is not in the history/);
    const none = await runCli('compare', '--baseline', 'kernel=5.10', '--candidate', 'base', '--history', loc);
    assert.match(none.stderr, /no passed run .* matches kernel=5\.10/);
    const usage = await runCli('compare', 'base', '--history', loc);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /compare needs exactly a baseline and a candidate, got "base"/);
  });

  it('few repetitions: 4 vs 4 can regress (exact test), 3 vs 3 says it cannot reach the level; the help says what a pairwise verdict shows', async () => {
    const few = { noise: 0.01, modes: ['nic' as const], warmups: 0 };
    await writeFakeRun(dir('four'), { runId: 'four', startedAt: new Date('2026-11-06T02:00:00Z'), seed: 21, repetitions: 4, ...few });
    await writeFakeRun(dir('four-slow'), { runId: 'four-slow', startedAt: new Date('2026-11-07T02:00:00Z'), seed: 22, repetitions: 4, throughputFactor: 0.85, ...few });
    await writeFakeRun(dir('three'), { runId: 'three', startedAt: new Date('2026-11-06T03:00:00Z'), seed: 23, repetitions: 3, ...few });
    await writeFakeRun(dir('three-slow'), { runId: 'three-slow', startedAt: new Date('2026-11-07T03:00:00Z'), seed: 24, repetitions: 3, throughputFactor: 0.85, ...few });
    const four = await runCli('compare', dir('four'), dir('four-slow'), '--history', loc, '--json');
    assert.equal(four.code, 1, four.stderr);
    assert.equal(verdictOf(JSON.parse(four.stdout), 'tcp.tx.throughput'), 'regressed');
    const three = await runCli('compare', dir('three'), dir('three-slow'), '--history', loc, '--json');
    assert.equal(three.code, 0, three.stderr);
    const tx = (JSON.parse(three.stdout) as { verdicts: { metric: string; comparison: { verdict: string; reason: string } }[] }).verdicts.find((v) => v.metric === 'tcp.tx.throughput')!;
    assert.equal(tx.comparison.verdict, 'inconclusive');
    assert.match(tx.comparison.reason, /3 vs 3 samples cannot give p below 0\.1 \(level 0\.05\), whatever the values/);
    const help = await runCli('compare', '--help');
    assert.match(help.stdout.replace(/\s+/g, ' '), /What it can show: whether these two sets of repetitions differ\. What it cannot: whether the software changed\./);
    assert.match(help.stdout.replace(/\s+/g, ' '), /3 vs 3 can never give p below 0\.10/);
  });
});
