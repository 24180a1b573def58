import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../support/capture-cli.ts';
import { writeFakeRun } from '../../support/fake-run.ts';
import { forEachBackend } from '../../support/history-backends.ts';

describe('passbench history', () => {
  let root: string;
  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-hcli-'));
    await writeFakeRun(path.join(root, 'a'), { runId: '20261101T020000Z-aaaa', startedAt: new Date('2026-11-01T02:00:00Z'), modes: ['nic'], repetitions: 3 });
    await writeFakeRun(path.join(root, 'b'), { runId: '20261102T020000Z-bbbb', startedAt: new Date('2026-11-02T02:00:00Z'), kernel: '6.12.3-amd64', modes: ['vf'], repetitions: 3, failingCheck: true });
  });
  after(async () => { await fs.rm(root, { recursive: true, force: true }); });

  forEachBackend((backend) => {
    it('imports run directories and lists them as a table and as JSON, filtered', async () => {
      const history = await backend.open();
      await history.close();
      const loc = backend.lastLocation();
      const imported = await runCli('history', 'import', path.join(root, 'a'), '--history', loc);
      assert.equal(imported.code, 0, imported.stderr);
      assert.match(imported.stdout, /imported run 20261101T020000Z-aaaa \(passed\)/);
      assert.equal((await runCli('history', '--history', loc, 'import', path.join(root, 'b'))).code, 0);

      const table = await runCli('history', '--history', loc);
      assert.equal(table.code, 0, table.stderr);
      const lines = table.stdout.trim().split('\n');
      assert.match(lines[0]!, /^RUN +STARTED +STATUS +SCENARIO +HOST +KERNEL +QEMU +ACCEL +SAMPLES +CHECKS$/);
      assert.match(lines[1]!, /^20261102T020000Z-bbbb +2026-11-02 02:00:00Z +passed +nightly +lab1 +6\.12\.3-amd64 +10\.0\.2 +kvm +40 +2 \(1 failed\)$/);
      assert.match(lines[2]!, /^20261101T020000Z-aaaa /);

      const json = await runCli('history', '--history', loc, '--kernel', '6.1', '--json');
      const runs = JSON.parse(json.stdout) as { runId: string }[];
      assert.deepEqual(runs.map((r) => r.runId), ['20261101T020000Z-aaaa']);
      assert.equal((await runCli('history', '--history', loc, '--mode', 'e1000')).stdout.trim(), 'no runs match');
    });
  });

  it('usage errors name the bad value (exit 2)', async () => {
    const loc = path.join(root, 'usage.sqlite');
    const bad = await runCli('history', '--history', loc, '--mode', 'sriov');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /mode "sriov" is not known; expected one of nic, vf, e1000, virtio/);
    assert.match((await runCli('history', '--history', loc, '--limit', 'lots')).stderr, /--limit "lots": expected a whole number from 1 to/);
  });

  it('a history file that is not SQLite is named, with the remedy', async () => {
    const bogus = path.join(root, 'not-a-db.sqlite');
    await fs.writeFile(bogus, 'this is not a database, it is a text file of some length that SQLite will not accept at all');
    const result = await runCli('history', '--history', bogus);
    assert.equal(result.code, 4);
    assert.match(result.stderr, /history .*not-a-db\.sqlite.*: file is not a database|history .*not-a-db\.sqlite is not a passbench history \(file is not a database\)/);
    assert.match(result.stderr, /what to do: /);
  });

  it('an import of a directory that is neither a run nor a folder of runs fails, naming it and what was expected (exit 4)', async () => {
    const result = await runCli('history', 'import', path.join(root, 'a', 'artifacts'), '--history', path.join(root, 'x.sqlite'));
    assert.equal(result.code, 4);
    assert.match(result.stderr, /a\/artifacts: not a run directory \(no run\.json\) and no run directory in it \(what to do: give run directories/);
  });
});
