import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { recordRun } from '../../../harness/scenario/record-run.ts';
import { openHistory } from '../../../harness/results/history.ts';
import { buildReportHistory } from '../../support/report-fixture.ts';

describe('recordRun (the end of a run for the runner)', function () {
  this.timeout(60000);
  let root: string;
  before(async () => { root = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-record-')); });
  after(async () => { await fs.rm(root, { recursive: true, force: true }); });

  it('imports the run, writes its reports and says the night regressed against the earlier good nights', async () => {
    const history = await openHistory(path.join(root, 'history.sqlite'));
    try {
      const dir = await buildReportHistory(root, history);
      const recorded = await recordRun(dir, history);
      assert.equal(recorded.meta.runId, 'r5');
      const tx = recorded.night.series.find((v) => v.mode === 'nic' && v.metric === 'tcp.tx.throughput')!;
      assert.deepEqual(tx.baseline.runIds, ['r0', 'r1', 'r2', 'r3', 'r4']);
      assert.equal(tx.verdict, 'regressed');
      assert.equal(recorded.regressed, true);
      assert.equal(recorded.failedChecks, 1);
      assert.equal((await history.getRun('r5'))?.samples, 390);
      for (const file of Object.values(recorded.reports)) assert.ok((await fs.stat(file)).size > 0, file);
      // Recording again (a re-run of the reports) replaces, and still judges against r0…r4, not itself.
      const again = (await recordRun(dir, history)).night.series.find((v) => v.mode === 'nic' && v.metric === 'tcp.tx.throughput')!;
      assert.deepEqual(again.baseline.runIds, ['r0', 'r1', 'r2', 'r3', 'r4']);
      assert.equal((await history.listRuns()).length, 6);
    } finally {
      await history.close();
    }
  });
});
