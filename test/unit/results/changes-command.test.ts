import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../support/capture-cli.ts';
import { nightId, writeNightSeries } from '../../support/night-series.ts';
import { tempDir } from '../../support/temp-dirs.ts';

interface Change {
  host: string; mode: string; guest: string; metric: string; runId: string; previousRunId: string;
  change: number; ci: { low: number; high: number }; pValue: number; status: string; regression: boolean;
  changed: Record<string, { before: string; after: string }>; acknowledgement?: { by: string; why: string }; supersededBy?: string;
}

/** Imports the run directories through `passbench history import`, as a lab would. */
async function importAll(dirs: readonly string[], history: string): Promise<void> {
  for (const dir of dirs) {
    const result = await runCli('history', 'import', dir, '--history', history);
    assert.equal(result.code, 0, result.stderr);
  }
}

const KERNEL_BEFORE = '6.1.0-27-amd64';
const KERNEL_AFTER = '6.12.3-amd64';

describe('passbench changes', function () {
  this.timeout(60000);
  let stepped: string;
  let flat: string;
  let outlier: string;
  let undone: string;
  before(async () => {
    const root = await tempDir('passbench-changes-');
    stepped = path.join(root, 'stepped.sqlite');
    flat = path.join(root, 'flat.sqlite');
    outlier = path.join(root, 'outlier.sqlite');
    undone = path.join(root, 'undone.sqlite');
    // The stepped nights, and night 6 alone 30 % low (the nights before and after at the level).
    await importAll(await writeNightSeries(path.join(root, 'outlier'), {
      nights: 20, stepAt: 12, step: { metric: 'tcp.tx.throughput', factor: 0.9 }, after: { kernel: KERNEL_AFTER },
      outlier: { night: 6, metric: 'tcp.tx.throughput', factor: 0.7 },
    }), outlier);
    // 24 nights; on nights 8–15 a new kernel and tcp.tx.throughput 15 % lower; from night 16 the old kernel and level.
    await importAll(await writeNightSeries(path.join(root, 'undone'), {
      nights: 24, stepAt: 8, stepUntil: 16, step: { metric: 'tcp.tx.throughput', factor: 0.85 }, after: { kernel: KERNEL_AFTER }, seed: 900,
    }), undone);
    // 20 nights; from night 12 tcp.tx.throughput is 10 % lower and the host runs another kernel.
    await importAll(await writeNightSeries(path.join(root, 'stepped'), {
      nights: 20, stepAt: 12, step: { metric: 'tcp.tx.throughput', factor: 0.9 }, after: { kernel: KERNEL_AFTER },
    }), stepped);
    await importAll(await writeNightSeries(path.join(root, 'flat'), { nights: 20, seed: 500 }), flat);
  });

  it('names the first run after a 10 % step, the run before, the change with a CI covering it, and the kernel change (exit 1)', async () => {
    const result = await runCli('changes', '--history', stepped, '--json');
    assert.equal(result.code, 1, result.stderr);
    const changes = JSON.parse(result.stdout) as Change[];
    assert.deepEqual(changes.map((c) => [c.host, c.mode, c.guest, c.metric]), [['lab1', 'nic', 'nic', 'tcp.tx.throughput']]);
    const [c] = changes;
    assert.equal(c!.runId, nightId(12));
    assert.equal(c!.previousRunId, nightId(11));
    assert.ok(Math.abs(c!.change - -0.1) < 0.02, `change ${c!.change}`);
    assert.ok(c!.ci.low <= -0.1 && -0.1 <= c!.ci.high, `CI ${JSON.stringify(c!.ci)} does not cover −10 %`);
    assert.ok(c!.pValue <= 0.006, `p ${c!.pValue}`);
    assert.equal(c!.status, 'open');
    assert.equal(c!.regression, true);
    assert.deepEqual(c!.changed, { kernel: { before: KERNEL_BEFORE, after: KERNEL_AFTER } });

    const table = await runCli('changes', '--history', stepped);
    assert.equal(table.code, 1, table.stderr);
    assert.match(table.stdout, /n12 +n11 +lab1 +nic +nic +tcp\.tx\.throughput +9\.\d\d Gbit\/s +8\.\d\d Gbit\/s +−(9|10)\.\d % .* OPEN \(worse\) +kernel 6\.1\.0-27-amd64 → 6\.12\.3-amd64/);
    assert.match(table.stdout, /1 change\(s\): 1 open \(1 for the worse\), 0 acknowledged, 0 superseded$/m);
  });

  it('reports one odd night between nights at one level once, as an outlier night, not as two changes', async () => {
    const result = await runCli('changes', '--history', outlier, '--json');
    assert.equal(result.code, 1, result.stderr);
    // Only the step; the odd night's two change points (n06 down, n07 back up) are no change.
    assert.deepEqual((JSON.parse(result.stdout) as Change[]).map((c) => [c.runId, c.previousRunId, c.status]), [[nightId(12), nightId(11), 'open']]);
    const table = await runCli('changes', '--history', outlier);
    assert.equal(table.code, 1, table.stderr);
    const odd = table.stdout.split('\n').filter((line) => line.includes('n06'));
    assert.equal(odd.length, 1, table.stdout);
    assert.match(odd[0]!, /^outlier night n06: lab1 nic nic tcp\.tx\.throughput 6\.\d\d Gbit\/s \(−3\d\.\d % from the level 9\.\d\d Gbit\/s\); the nights before and after are at the level: not a change$/);
    assert.match(table.stdout, /1 change\(s\): 1 open \(1 for the worse\), 0 acknowledged, 0 superseded; 1 outlier night\(s\)/);
    // Nothing to acknowledge there, and the message says why.
    const ack = await runCli('changes', 'ack', nightId(6), 'tcp.tx.throughput', '--by', 'alice', '--why', 'odd night', '--history', outlier);
    assert.equal(ack.code, 4);
    assert.match(ack.stderr, /no change of tcp\.tx\.throughput starts at run n06: run n06 is an outlier night of it \(one odd night, not a change: nothing to acknowledge\); its changes start at run n12/);
  });

  it('a drop that a later change undoes is superseded by it and no longer fails (exit 0)', async () => {
    const result = await runCli('changes', '--history', undone, '--json');
    assert.equal(result.code, 0, result.stderr);
    const changes = JSON.parse(result.stdout) as Change[];
    assert.deepEqual(changes.map((c) => [c.runId, c.previousRunId, c.regression, c.status, c.supersededBy]), [
      [nightId(8), nightId(7), true, 'superseded', nightId(16)],
      [nightId(16), nightId(15), false, 'open', undefined],
    ]);
    assert.ok(Math.abs(changes[0]!.change - -0.15) < 0.03, `change ${changes[0]!.change}`);
    assert.deepEqual(changes[1]!.changed, { kernel: { before: KERNEL_AFTER, after: KERNEL_BEFORE } });
    const table = await runCli('changes', '--history', undone);
    assert.match(table.stdout, /n08 +n07 .* superseded by n16 +kernel/);
    assert.match(table.stdout, /2 change\(s\): 1 open \(0 for the worse\), 0 acknowledged, 1 superseded/);
    // Only the later part of the history: the undoing change alone, still open (for the better).
    const since = await runCli('changes', '--history', undone, '--json', '--since', nightId(9));
    assert.deepEqual((JSON.parse(since.stdout) as Change[]).map((c) => [c.runId, c.status]), [[nightId(16), 'open']]);
    // --help says what superseded means.
    const help = await runCli('changes', '--help');
    assert.match(help.stdout.replace(/\s+/g, ' '), /superseded: a later change of the same series brings the level back to within the change that matters of the level before the change, or past it/);
  });

  it('finds no change in 20 flat nights (exit 0)', async () => {
    const result = await runCli('changes', '--history', flat, '--json');
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), []);
    const table = await runCli('changes', '--history', flat);
    assert.equal(table.stdout.trim(), 'no change points');
  });

  it('--since a run or a date leaves out changes that started before it; --metric and --mode narrow the series; --threshold and --absolute set what matters', async () => {
    const ids = async (...args: string[]) => {
      const result = await runCli('changes', '--history', stepped, '--json', ...args);
      return { code: result.code, runs: (JSON.parse(result.stdout) as Change[]).map((c) => c.runId) };
    };
    assert.deepEqual(await ids('--since', nightId(12)), { code: 1, runs: [nightId(12)] });
    assert.deepEqual(await ids('--since', nightId(13)), { code: 0, runs: [] });
    assert.deepEqual(await ids('--since', '2026-11-13'), { code: 0, runs: [] });
    assert.deepEqual(await ids('--since', '2026-11-12'), { code: 1, runs: [nightId(12)] });
    assert.deepEqual(await ids('--metric', 'tcp.rx.throughput'), { code: 0, runs: [] });
    assert.deepEqual(await ids('--threshold', 'tcp.tx.throughput=20'), { code: 0, runs: [] });
    // An absolute threshold above the step (0.94 Gbit/s) in the metric's unit: not material.
    assert.deepEqual(await ids('--absolute', 'tcp.tx.throughput=2e9'), { code: 0, runs: [] });
    assert.deepEqual(await ids('--absolute', 'tcp.tx.throughput=5e8'), { code: 1, runs: [nightId(12)] });
  });

  it('ack records who and why; the change is then acknowledged and no longer fails (exit 0)', async () => {
    const wrong = await runCli('changes', 'ack', nightId(11), 'tcp.tx.throughput', '--by', 'alice', '--why', 'kernel 6.12', '--history', stepped);
    assert.equal(wrong.code, 4);
    assert.match(wrong.stderr, /no change of tcp\.tx\.throughput starts at run n11: its changes start at run n12/);

    const ack = await runCli('changes', 'ack', nightId(12), 'tcp.tx.throughput', '--by', 'alice', '--why', 'kernel 6.12: known', '--history', stepped);
    assert.equal(ack.code, 0, ack.stderr);
    assert.match(ack.stdout, /acknowledged the change of tcp\.tx\.throughput at run n12 \(by alice: kernel 6\.12: known\)/);

    const result = await runCli('changes', '--history', stepped, '--json');
    assert.equal(result.code, 0, result.stderr);
    const [c] = JSON.parse(result.stdout) as Change[];
    assert.equal(c?.status, 'acknowledged');
    assert.deepEqual({ by: c?.acknowledgement?.by, why: c?.acknowledgement?.why }, { by: 'alice', why: 'kernel 6.12: known' });
    const table = await runCli('changes', '--history', stepped);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /n12 tcp\.tx\.throughput: acknowledged by alice \(.*\): kernel 6\.12: known/);
  });

  it('bad inputs are named, with exit 2 (arguments) or 4 (the history does not hold it), and create nothing', async () => {
    const missing = path.join(path.dirname(stepped), 'nowhere', 'history.sqlite');
    const cases: [string[], number, RegExp][] = [
      [['changes', '--history', missing], 4, /history .*nowhere\/history\.sqlite cannot be read: there is no such file/],
      [['changes', 'ack', nightId(12), 'tcp.tx.throughput', '--by', 'a', '--why', 'b', '--history', missing], 4, /cannot be read: there is no such file/],
      [['changes', 'ack', 'nosuch', 'tcp.tx.throughput', '--by', 'a', '--why', 'b', '--history', stepped], 4, /run nosuch is not in the history/],
      [['changes', '--since', 'yesterday', '--history', stepped], 2, /--since "yesterday" is neither a date nor a run in the history/],
      [['changes', '--since', '2026-13-45', '--history', stepped], 2, /--since "2026-13-45" is not a date or time/],
      [['changes', '--mode', 'sriov', '--history', stepped], 2, /mode "sriov" is not known/],
      [['changes', '--host', 'lab9', '--history', stepped], 4, /holds no series these options select/],
      [['changes', 'ack', nightId(12), 'tcp.tx.throughput', '--why', 'b', '--history', stepped], 2, /changes ack needs --by/],
      [['changes', '--host', 'lab1', 'ack', nightId(12), 'tcp.tx.throughput', '--by', 'a', '--why', 'b', '--history', stepped], 2, /changes ack takes a run id, metrics, --by and --why and --history only, got --host "lab1"/],
    ];
    for (const [args, code, message] of cases) {
      const result = await runCli(...args);
      assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
    assert.equal(fs.existsSync(path.dirname(missing)), false);
  });
});
