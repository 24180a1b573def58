import assert from 'node:assert/strict';
import path from 'node:path';
import { acknowledgeChanges } from '../../../harness/results/acknowledge-change.ts';
import { findChanges } from '../../../harness/results/changes.ts';
import { openHistory, type History } from '../../../harness/results/history.ts';
import type { SqlDb } from '../../../harness/results/history/sql-db.ts';
import { forEachBackend } from '../../support/history-backends.ts';
import { nightId, writeNightSeries } from '../../support/night-series.ts';
import { tempDir } from '../../support/temp-dirs.ts';

describe('changes over a history', function () {
  this.timeout(60000);
  let dirs: string[];
  before(async () => {
    // 12 nights, from night 8 the vf guest's http.rate 15 % lower, and a new NIC firmware.
    dirs = await writeNightSeries(path.join(await tempDir('passbench-night-series-'), 'runs'), {
      nights: 12, stepAt: 8, modes: ['nic', 'vf'], step: { metric: 'http.rate', factor: 0.85 },
      after: { qemu: '10.1.0' },
    });
  });
  const all = { threshold: () => 0.05 };

  forEachBackend((backend) => {
    let history: History;
    beforeEach(async () => {
      history = await backend.open();
      for (const dir of dirs) await history.importRun(dir);
    });
    afterEach(async () => { await history.close(); });

    it('finds the step in both modes\' series, acknowledges it, and keeps the acknowledgement', async () => {
      const found = await findChanges(history, all);
      assert.equal(found.series, 2 * 10);
      assert.deepEqual(found.changes.map((c) => [c.mode, c.guest, c.metric, c.runId, c.previousRunId, c.status]), [
        ['nic', 'nic', 'http.rate', nightId(8), nightId(7), 'open'],
        ['vf', 'vf0', 'http.rate', nightId(8), nightId(7), 'open'],
      ]);
      assert.deepEqual(found.changes[0]?.changed, { qemu: { before: '10.0.2', after: '10.1.0' } });
      const acks = await acknowledgeChanges(history, { runId: nightId(8), metrics: ['http.rate'], by: 'bob', why: 'QEMU 10.1', now: new Date('2026-12-01T00:00:00Z') });
      assert.deepEqual(acks, [{ runId: nightId(8), metric: 'http.rate', by: 'bob', why: 'QEMU 10.1', at: '2026-12-01T00:00:00.000Z' }]);
      const again = await findChanges(history, all);
      assert.deepEqual(again.changes.map((c) => [c.mode, c.status, c.acknowledgement?.by]), [['nic', 'acknowledged', 'bob'], ['vf', 'acknowledged', 'bob']]);
      // Acknowledging again replaces the record rather than adding a second one.
      await acknowledgeChanges(history, { runId: nightId(8), metrics: ['http.rate'], by: 'carol', why: 'rechecked' });
      assert.deepEqual((await history.acknowledgements()).map((a) => a.by), ['carol']);
    });

    it('a version 1 history (no acknowledgements table) reads as it is, and is migrated when written', async () => {
      await history.close();
      const location = backend.lastLocation();
      // What a history written before version 2 looks like (the database under the History).
      const raw = (await openHistory(location)) as unknown as { db: SqlDb; close(): Promise<void> };
      await raw.db.run('DROP TABLE acknowledgements');
      await raw.db.run('UPDATE passbench_history SET version = 1');
      await raw.close();

      history = await openHistory(location, { readOnly: true });
      assert.equal((await findChanges(history, all)).changes.every((c) => c.status === 'open'), true);
      assert.deepEqual(await history.acknowledgements(), []);
      await history.close();

      history = await openHistory(location, { mustExist: true });
      await acknowledgeChanges(history, { runId: nightId(8), metrics: ['http.rate'], by: 'bob', why: 'QEMU 10.1' });
      assert.deepEqual((await findChanges(history, all)).changes.map((c) => c.status), ['acknowledged', 'acknowledged']);
      await history.close();
      // The write open made it version 2: a read-only open now reads the acknowledgement too.
      history = await openHistory(location, { readOnly: true });
      assert.deepEqual((await history.acknowledgements()).map((a) => [a.runId, a.metric, a.by]), [[nightId(8), 'http.rate', 'bob']]);
    });
  });
});
