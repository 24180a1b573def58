import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { openHistory } from '../../../harness/results/history.ts';
import { importArchive } from '../../../harness/results/import-archive.ts';
import { findRunDirs } from '../../../harness/results/run-dirs.ts';
import { runCli } from '../../support/capture-cli.ts';
import { writeFakeRun } from '../../support/fake-run.ts';
import { forEachBackend } from '../../support/history-backends.ts';
import { tempDir } from '../../support/temp-dirs.ts';

/** `passbench history import` of a lab's archive: many run directories, or folders of them, in one call. */
describe('passbench history import (many runs in one call)', function () {
  this.timeout(60000);
  const day = (d: number) => new Date(Date.UTC(2026, 10, d, 2));
  let archive: string;
  const runIds = [1, 2, 3, 4, 5].map((d) => `2026110${d}T020000Z-run${d}`);
  before(async () => {
    archive = await tempDir('passbench-archive-');
    for (const [i, runId] of runIds.entries()) {
      await writeFakeRun(path.join(archive, 'runs', runId), { runId, startedAt: day(i + 1), modes: ['nic'], repetitions: 3, seed: i + 1 });
    }
  });
  const runDir = (i: number) => path.join(archive, 'runs', runIds[i]!);
  const summaryOf = (stdout: string) => JSON.parse(stdout) as {
    imported: number; replaced: number; skipped: number; failed: number; total: number; seconds: number;
    runs: { runId: string; outcome: string; dir: string }[]; failures: { dir: string; error: string; remedy: string }[];
  };

  forEachBackend((backend) => {
    const freshHistory = async () => {
      await (await backend.open()).close();
      return backend.lastLocation();
    };
    const stored = async (loc: string) => {
      const h = await openHistory(loc, { readOnly: true });
      try {
        return (await h.listRuns()).map((r) => [r.runId, r.samples]);
      } finally {
        await h.close();
      }
    };

    it('imports several run directories named in one call, and says how many and how long', async () => {
      const loc = await freshHistory();
      const result = await runCli('history', 'import', runDir(0), runDir(1), runDir(2), '--history', loc);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^3 imported, 0 replaced, 0 skipped \(already in the history\), 0 failed in \d+\.\d s \(3 run directories\) into /m);
      assert.deepEqual(await stored(loc), [2, 1, 0].map((i) => [runIds[i], 40]));
    });

    it('imports a folder of run directories; again, every run is skipped and nothing is duplicated', async () => {
      const loc = await freshHistory();
      const first = await runCli('history', 'import', path.join(archive, 'runs'), '--history', loc, '--json');
      assert.equal(first.code, 0, first.stderr);
      const s1 = summaryOf(first.stdout);
      assert.deepEqual([s1.total, s1.imported, s1.skipped, s1.failed], [5, 5, 0, 0]);
      assert.deepEqual(s1.runs.map((r) => r.runId), runIds);
      const again = await runCli('history', 'import', path.join(archive, 'runs'), runDir(0), '--history', loc, '--json');
      assert.equal(again.code, 0, again.stderr);
      const s2 = summaryOf(again.stdout);
      assert.deepEqual([s2.total, s2.imported, s2.replaced, s2.skipped, s2.failed], [5, 0, 0, 5, 0], 'the run named twice counts once');
      assert.ok(s2.runs.every((r) => r.outcome === 'skipped'));
      assert.deepEqual(await stored(loc), [...runIds].reverse().map((id) => [id, 40]));
      const one = await runCli('history', 'import', runDir(4), '--history', loc);
      assert.match(one.stdout, new RegExp(`^skipped run ${runIds[4]} \\(passed\\): already in .* as it is$`, 'm'));
    });

    it('a run stored while it was still running is replaced by its finished directory', async () => {
      const loc = await freshHistory();
      const root = await tempDir('passbench-running-');
      const runId = '20261110T020000Z-live';
      await writeFakeRun(path.join(root, 'live'), { runId, startedAt: day(10), modes: ['nic'], repetitions: 3, status: 'running' });
      assert.equal((await runCli('history', 'import', path.join(root, 'live'), '--history', loc)).code, 0);
      await writeFakeRun(path.join(root, 'done'), { runId, startedAt: day(10), modes: ['nic'], repetitions: 5 });
      const result = await runCli('history', 'import', path.join(root, 'done'), '--history', loc, '--json');
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(summaryOf(result.stdout).runs.map((r) => r.outcome), ['replaced']);
      assert.deepEqual(await stored(loc), [[runId, 60]]);
    });

    it('a directory that is not a run, and one whose samples do not parse, are named; the others import (exit 4)', async () => {
      const loc = await freshHistory();
      const root = await tempDir('passbench-mixed-');
      await fs.cp(path.join(archive, 'runs'), path.join(root, 'runs'), { recursive: true });
      await fs.mkdir(path.join(root, 'runs', 'charts'));
      await fs.writeFile(path.join(root, 'runs', 'charts', 'tx.png'), 'not a run');
      await fs.appendFile(path.join(root, 'runs', runIds[2]!, 'samples.jsonl'), '{"schema": 1, "runId": "x"}\n');
      const result = await runCli('history', 'import', path.join(root, 'runs'), path.join(root, 'nowhere'), '--history', loc, '--json');
      assert.equal(result.code, 4, result.stderr);
      const s = summaryOf(result.stdout);
      assert.deepEqual([s.imported, s.failed], [4, 3]);
      assert.match(result.stderr, /not imported: .*runs\/charts: not a run directory: no run\.json \(what to do: .*a run directory holds run\.json, samples\.jsonl and checks\.jsonl\)/);
      assert.match(result.stderr, new RegExp(`not imported: .*${runIds[2]}: .*samples\\.jsonl:\\d+: does not match the result schema`));
      assert.match(result.stderr, /not imported: .*nowhere: not a run directory: .*nowhere\/run\.json cannot be read: there is no such file or folder/);
      assert.deepEqual((await stored(loc)).map(([id]) => id), [4, 3, 1, 0].map((i) => runIds[i]));
    });

    it('a run the database refuses is named, and the rest of its batch is stored', async () => {
      const root = await tempDir('passbench-refused-');
      const loc = await freshHistory();
      await fs.cp(path.join(archive, 'runs'), path.join(root, 'runs'), { recursive: true });
      // The same host twice breaks the hosts table's primary key half-way through the batch.
      const file = path.join(root, 'runs', runIds[1]!, 'run.json');
      const meta = JSON.parse(await fs.readFile(file, 'utf8'));
      await fs.writeFile(file, JSON.stringify({ ...meta, hosts: [meta.hosts[0], meta.hosts[0]] }));
      const result = await runCli('history', 'import', path.join(root, 'runs'), '--history', loc);
      assert.equal(result.code, 4, result.stderr);
      assert.match(result.stdout, /^4 imported, 0 replaced, 0 skipped \(already in the history\), 1 failed/m);
      assert.match(result.stderr, new RegExp(`not imported: .*${runIds[1]}: history .*(UNIQUE constraint failed: hosts|duplicate key value violates unique constraint "hosts_pkey")`));
    });
  });

  it('stores in batches (progress after each), and a run id found twice in one call counts once or is named when the two differ', async () => {
    const root = await tempDir('passbench-batches-');
    await fs.cp(path.join(archive, 'runs'), path.join(root, 'runs'), { recursive: true });
    await fs.cp(runDir(0), path.join(root, 'copy-of-run1'), { recursive: true });
    await writeFakeRun(path.join(root, 'other-run1'), { runId: runIds[0]!, startedAt: day(1), modes: ['nic'], repetitions: 2, status: 'failed' });
    const history = await openHistory(path.join(root, 'history.sqlite'));
    try {
      const seen: number[] = [];
      const found = await findRunDirs([path.join(root, 'runs'), path.join(root, 'copy-of-run1'), path.join(root, 'other-run1')]);
      const summary = await importArchive(history, found, {
        batchSize: 2, onProgress: (c) => seen.push(c.done),
      });
      assert.deepEqual(seen, [0, 2, 4, 6, 7]);
      assert.deepEqual([summary.total, summary.imported, summary.skipped, summary.failed], [7, 5, 1, 1]);
      assert.match(summary.failures[0]!.error, new RegExp(`holds run ${runIds[0]} as .*runs/${runIds[0]} does, with another run\\.json`));
      assert.equal((await history.listRuns()).length, 5);
    } finally {
      await history.close();
    }
  });

  it('a folder that holds no run directory is named with what was expected (exit 4)', async () => {
    const root = await tempDir('passbench-empty-');
    const result = await runCli('history', 'import', root, '--history', path.join(root, 'h.sqlite'));
    assert.equal(result.code, 4);
    assert.deepEqual(await fs.readdir(root), [], 'an import that stores nothing creates no history');
    assert.match(result.stderr, /not imported: .*passbench-empty-\w+: not a run directory \(no run\.json\) and no run directory in it/);
    assert.match(result.stdout, /0 imported, 0 replaced, 0 skipped \(already in the history\), 1 failed/);
  });
});
