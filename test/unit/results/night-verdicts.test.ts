import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeReports } from '../../../harness/report/write-reports.ts';
import { openHistory, type History } from '../../../harness/results/history.ts';
import { acknowledgeChanges } from '../../../harness/results/acknowledge-change.ts';
import { controlFalseAlarms, judgeRunNight, type NightJudgement, type SeriesVerdict } from '../../../harness/results/night-verdicts.ts';
import type { RunData } from '../../../harness/results/run-reader.ts';
import { parseThresholds } from '../../../harness/results/thresholds.ts';
import { forEachBackend } from '../../support/history-backends.ts';
import { importNights, nightRunId, writeNight } from '../../support/nightly-history.ts';
import { runCli } from '../../support/capture-cli.ts';
import { tempDir } from '../../support/temp-dirs.ts';

const FLAT = Array.from({ length: 12 }, () => ({}));
const seriesOf = (j: NightJudgement, metric: string) => {
  const s = j.series.find((v) => v.metric === metric);
  assert.ok(s, `no series ${metric}`);
  return s;
};

describe('false alarms across a night\'s metrics (Benjamini–Hochberg)', () => {
  const series = (metric: string, pValue: number, verdict: SeriesVerdict['verdict']): SeriesVerdict => ({
    host: 'lab1', mode: 'nic', guest: 'nic', metric, unit: 'bit/s', direction: 'higher-is-better', gating: true, verdict, reason: 'tonight −6 %',
    tonight: 1, repetitions: 3, baseline: { runIds: [] }, excludedRunIds: [], pValue, threshold: 0.05, absoluteThreshold: 0,
  });

  it('a lone p = 0.008 among 10 metrics is not kept at 5 % (adjusted 0.08): inconclusive, and the rate is reported', () => {
    const night = [series('a', 0.008, 'regressed'), ...Array.from({ length: 9 }, (_, i) => series(`m${i}`, 0.5, 'unchanged'))];
    const fa = controlFalseAlarms(night, 0.05);
    assert.equal(night[0]!.verdict, 'inconclusive');
    assert.match(night[0]!.reason, /not kept by the false-alarm control over the night's 10 metrics \(adjusted p = 0\.08 > 0\.05\)/);
    assert.deepEqual(fa, { method: 'benjamini-hochberg', rate: 0.05, tests: 10, kept: 0, withdrawn: 1, perTestLevel: 0 });
  });

  it('a strong change is kept, and the series without a p-value are not counted', () => {
    const night = [series('a', 1e-6, 'regressed'), series('b', 0.3, 'unchanged'), { ...series('c', 0, 'no-baseline'), pValue: undefined }];
    const fa = controlFalseAlarms(night, 0.05);
    assert.equal(night[0]!.verdict, 'regressed');
    assert.equal(fa.tests, 2);
    assert.equal(fa.kept, 1);
    assert.equal(fa.perTestLevel, 1e-6);
  });
});

describe('night verdicts (the night as the unit, through the history store)', function () {
  this.timeout(60000);
  let root: string;
  let history: History;
  beforeEach(async () => {
    root = await tempDir('passbench-nights-');
    history = await openHistory(path.join(root, 'history.sqlite'));
  });
  afterEach(async () => { await history.close(); });

  it('12 flat nights then a night 10 % down: regressed against the last 10 good nights, and the night fails', async () => {
    await importNights(root, history, FLAT);
    const tonight = await writeNight(root, 13, { factor: 0.9 });
    const j = await judgeRunNight(history, tonight);
    const tx = seriesOf(j, 'tcp.tx.throughput');
    assert.equal(tx.verdict, 'regressed', tx.reason);
    assert.deepEqual(tx.baseline.runIds, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map(nightRunId));
    assert.ok(tx.change! < -0.07 && tx.change! > -0.13, String(tx.change));
    assert.match(tx.reason, /against 10 nights/);
    assert.equal(seriesOf(j, 'latency.idle.p50').verdict, 'unchanged');
    assert.equal(j.regressed, true);
    assert.deepEqual(j.basis, { kind: 'last-good', nights: 10, minNights: 5 });
    assert.equal(j.alpha, 0.01);
    assert.equal(j.falseAlarms.tests, 10);
    assert.ok(j.falseAlarms.kept >= 4, `throughputs, line rate and HTTP rate kept: ${j.falseAlarms.kept}`);
  });

  it('a night within the noise: unchanged, nothing regressed', async () => {
    await importNights(root, history, FLAT);
    const j = await judgeRunNight(history, await writeNight(root, 13, { factor: 0.995 }));
    assert.equal(seriesOf(j, 'tcp.tx.throughput').verdict, 'unchanged', seriesOf(j, 'tcp.tx.throughput').reason);
    assert.equal(j.series.filter((v) => v.verdict === 'regressed').length, 0);
    assert.equal(j.regressed, false);
  });

  it('the first night (no history): "no baseline yet (5 nights needed)", not a verdict', async () => {
    const j = await judgeRunNight(history, await writeNight(root, 1, {}));
    assert.ok(j.series.length > 0);
    for (const s of j.series) {
      assert.equal(s.verdict, 'no-baseline');
      assert.match(s.reason, /^no baseline yet \(5 nights needed; 0 good night\(s\) so far\)$/);
      assert.equal(s.pValue, undefined);
    }
    assert.equal(j.regressed, false);
    assert.equal(j.falseAlarms.tests, 0);
    // Four nights are still too few.
    await importNights(root, history, FLAT.slice(0, 4), { first: 2 });
    assert.match(seriesOf(await judgeRunNight(history, await writeNight(root, 6, {})), 'tcp.tx.throughput').reason, /4 good night\(s\) so far/);
  });

  it('a regressed night followed by a normal one: the regressed night is left out of the next baseline', async () => {
    await importNights(root, history, [...FLAT, { factor: 0.9 }]);
    const j = await judgeRunNight(history, await writeNight(root, 14, {}));
    const tx = seriesOf(j, 'tcp.tx.throughput');
    assert.equal(tx.verdict, 'unchanged', tx.reason);
    assert.ok(!tx.baseline.runIds.includes(nightRunId(13)), `n13 in the baseline: ${tx.baseline.runIds.join(' ')}`);
    assert.deepEqual(tx.baseline.runIds, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map(nightRunId));
    assert.deepEqual(tx.excludedRunIds, [nightRunId(13)]);
    // A metric that did not move that night keeps it.
    assert.ok(seriesOf(j, 'latency.idle.p50').baseline.runIds.includes(nightRunId(13)));
  });

  it('loss with a baseline median of 0 is judged by its absolute threshold (0.5 points by default), never NaN', async () => {
    const zero = [0, 0, 0, 0, 0];
    await importNights(root, history, FLAT.map(() => ({ loss: zero })));
    // The night's value is the Hodges–Lehmann estimate of its repetitions: 2.1 here (the median is 2.0).
    const lossyNight = await writeNight(root, 13, { loss: [2, 2.5, 1.8, 2.2, 2] });
    const lossy = await judgeRunNight(history, lossyNight);
    const loss = seriesOf(lossy, 'udp.tx.loss');
    assert.equal(loss.verdict, 'regressed', loss.reason);
    assert.equal(loss.absoluteThreshold, 0.5);
    assert.equal(loss.change, undefined);
    assert.match(loss.reason, /from a baseline of 0/);
    const trace = seriesOf(await judgeRunNight(history, await writeNight(root, 14, { loss: [0, 0.1, 0, 0.2, 0.1] })), 'udp.tx.loss');
    assert.equal(trace.verdict, 'unchanged', trace.reason);
    for (const s of [...lossy.series, trace]) assert.doesNotMatch(s.reason, /NaN|Infinity/);
    const files = await writeReports(lossyNight.dir, history);
    for (const file of [files.html, files.markdown, files.junit]) {
      // Charts are base64 PNGs, where "NaN" is just letters.
      assert.doesNotMatch((await fs.readFile(file, 'utf8')).replace(/data:image\/png;base64,[^"]+/g, ''), /NaN|Infinity/, file);
    }
    assert.match(await fs.readFile(files.markdown, 'utf8'), /\| lab1 nic\/nic udp\.tx\.loss \| 0\.0 % \| 10 \| 2\.1 % \| \+2\.1 % \| \+2\.1 % … \+2\.1 % \| 0 \(adj\. 0\) \| \*\*REGRESSED\*\* \|/);
    // Without an absolute threshold any loss at all would be a regression: the threshold is what judges it.
    const strict = await judgeRunNight(history, await writeNight(root, 15, { loss: [0, 0.1, 0, 0.2, 0.1] }), { thresholds: parseThresholds([], ['*.loss=0']) });
    assert.equal(seriesOf(strict, 'udp.tx.loss').verdict, 'regressed');
  });

  it('a pinned baseline (kernel=…) is judged against instead of the last nights; only gating metrics fail the night', async () => {
    await importNights(root, history, FLAT);
    const tonight = await writeNight(root, 13, { factor: 0.9 });
    const pinned = await judgeRunNight(history, tonight, { pin: 'kernel=6.1' });
    assert.equal(pinned.basis.kind, 'pinned');
    assert.equal(seriesOf(pinned, 'tcp.tx.throughput').baseline.runIds.length, 12);
    assert.equal(seriesOf(pinned, 'tcp.tx.throughput').verdict, 'regressed');
    const one = await judgeRunNight(history, tonight, { pin: nightRunId(3) });
    assert.match(seriesOf(one, 'tcp.tx.throughput').reason, /no baseline yet \(5 nights needed; the pinned baseline n03 has 1 night\(s\)/);
    await assert.rejects(judgeRunNight(history, tonight, { pin: 'kernel=5.10' }), /the pinned baseline "kernel=5\.10" matches no passed run/);
    const gated = await judgeRunNight(history, tonight, { gate: ['latency.*'] });
    assert.equal(seriesOf(gated, 'tcp.tx.throughput').verdict, 'regressed');
    assert.equal(seriesOf(gated, 'tcp.tx.throughput').gating, false);
    assert.equal(gated.regressed, false);
  });

  it('passbench report judges the night with --pin/--nights/--gate, and names a bad value (exit 2)', async () => {
    await importNights(root, history, FLAT);
    const tonight = await writeNight(root, 13, { factor: 0.9 });
    const loc = path.join(root, 'history.sqlite');
    const ok = await runCli('report', tonight.dir, '--history', loc, '--pin', 'kernel=6.1', '--gate', 'latency.*', '--json');
    assert.equal(ok.code, 0, ok.stderr);
    const json = JSON.parse(await fs.readFile(path.join(tonight.dir, 'results.json'), 'utf8'));
    assert.equal(json.night.basis.kind, 'pinned');
    assert.deepEqual(json.night.gate, ['latency.*']);
    for (const [args, names] of [
      [['--nights', '0'], /--nights "0": expected a whole number of nights from 2 to 100/],
      [['--gate', 'TCP throughput'], /--gate "TCP throughput": expected a metric name or pattern/],
      [['--pin', 'last-good'], /--pin "last-good": expected a run id in the history or a selector/],
      [['--absolute', 'udp.tx.loss=lots'], /absolute threshold "udp\.tx\.loss=lots": "lots" is not a number/],
    ] as const) {
      const bad = await runCli('report', tonight.dir, '--history', loc, ...args);
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, names);
    }
  });
});

describe('night verdicts after an acknowledged change (the baseline moves to the new level)', function () {
  this.timeout(120000);
  const STEP = 15;
  /** 30 nights, throughputs and rates 10 % down from night 15 on. */
  const plans = Array.from({ length: 30 }, (_, i) => (i + 1 >= STEP ? { factor: 0.9 } : {}));

  forEachBackend((backend) => {
    let root: string;
    let history: History;
    let nights: RunData[];
    beforeEach(async () => {
      root = await tempDir('passbench-ack-nights-');
      history = await backend.open();
      nights = await importNights(root, history, plans);
    });
    afterEach(async () => { await history.close(); });
    const tx = async (night: number) => seriesOf(await judgeRunNight(history, nights[night - 1]!), 'tcp.tx.throughput');

    it('acknowledged at night 15: nights 16–19 have no baseline yet since it (1–4 of 5), night 20 on are judged against the new level only', async () => {
      await acknowledgeChanges(history, { runId: nightRunId(STEP), metrics: ['tcp.tx.throughput'], by: 'lab', why: 'kernel 6.12: known slower' });
      for (let n = STEP + 1; n < STEP + 5; n++) {
        const v = await tx(n);
        assert.equal(v.verdict, 'no-baseline', `night ${n}: ${v.reason}`);
        assert.equal(v.reason, `no baseline yet since the acknowledged change of ${nightRunId(STEP)} (${n - STEP} of 5 nights)`);
        assert.equal(v.acknowledgedChange?.runId, nightRunId(STEP));
      }
      for (let n = STEP + 5; n <= 30; n++) {
        const v = await tx(n);
        assert.equal(v.verdict, 'unchanged', `night ${n}: ${v.reason}`);
        assert.ok(v.baseline.runIds.every((id) => id >= nightRunId(STEP)), `night ${n} compared with a night before the change: ${v.baseline.runIds.join(' ')}`);
        assert.equal(v.baseline.runIds.length, Math.min(10, n - STEP));
        assert.match(v.reason, /\(nights since the acknowledged change of n15\)$/);
      }
      // A metric whose change was not acknowledged keeps its old level, and stays regressed.
      const rx = seriesOf(await judgeRunNight(history, nights[24]!), 'tcp.rx.throughput');
      assert.equal(rx.verdict, 'regressed', rx.reason);
      assert.equal(rx.acknowledgedChange, undefined);
    });

    it('the same history without the acknowledgement: every night from 16 on stays regressed against the nights before the step', async () => {
      for (const n of [16, 19, 20, 21, 25, 30]) {
        const v = await tx(n);
        assert.equal(v.verdict, 'regressed', `night ${n}: ${v.reason}`);
        assert.ok(v.baseline.runIds.every((id) => id < nightRunId(STEP)), v.baseline.runIds.join(' '));
      }
    });

    it('a night after the acknowledged level that drops 10 % more is regressed against the new level', async () => {
      await acknowledgeChanges(history, { runId: nightRunId(STEP), metrics: ['tcp.tx.throughput'], by: 'lab', why: 'kernel 6.12' });
      const lower = await writeNight(root, 31, { factor: 0.81 });
      const v = seriesOf(await judgeRunNight(history, lower), 'tcp.tx.throughput');
      assert.equal(v.verdict, 'regressed', v.reason);
      assert.ok(v.change! < -0.07 && v.change! > -0.13, `against the new level, not the old (−19 %): ${v.change}`);
    });
  });

  it('an acknowledged change stays the baseline\'s start when a later change brings the level back: that drop back is regressed against the acknowledged level', async () => {
    const root = await tempDir('passbench-ack-superseded-');
    const history = await openHistory(path.join(root, 'history.sqlite'));
    try {
      // 10 % up from night 15 (a faster kernel, acknowledged), back down from night 22.
      const up = Array.from({ length: 24 }, (_, i) => (i + 1 >= STEP && i + 1 < 22 ? { factor: 1.1 } : {}));
      const nights = await importNights(root, history, up);
      await acknowledgeChanges(history, { runId: nightRunId(STEP), metrics: ['tcp.tx.throughput'], by: 'lab', why: 'kernel 6.12 is faster' });
      for (const n of [22, 24]) {
        const v = seriesOf(await judgeRunNight(history, nights[n - 1]!), 'tcp.tx.throughput');
        assert.equal(v.verdict, 'regressed', `night ${n}: ${v.reason}`);
        assert.equal(v.acknowledgedChange?.runId, nightRunId(STEP));
        assert.ok(v.change! < -0.06 && v.change! > -0.12, `about −9 % against the acknowledged level: ${v.change}`);
      }
    } finally {
      await history.close();
    }
  });

  it('a change superseded without an acknowledgement moves nothing: after the level comes back, nights are judged against the nights before the dip', async () => {
    const root = await tempDir('passbench-superseded-');
    const history = await openHistory(path.join(root, 'history.sqlite'));
    try {
      const dip = Array.from({ length: 26 }, (_, i) => (i + 1 >= STEP && i + 1 < 20 ? { factor: 0.9 } : {}));
      const nights = await importNights(root, history, dip);
      const v = seriesOf(await judgeRunNight(history, nights[25]!), 'tcp.tx.throughput');
      assert.equal(v.verdict, 'unchanged', v.reason);
      assert.equal(v.acknowledgedChange, undefined);
      assert.deepEqual(v.excludedRunIds, [15, 16, 17, 18, 19].map(nightRunId));
    } finally {
      await history.close();
    }
  });
});
