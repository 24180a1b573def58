import assert from 'node:assert/strict';
import path from 'node:path';
import { PassbenchError, UsageError } from '../../../harness/errors.ts';
import { acknowledgeChanges } from '../../../harness/results/acknowledge-change.ts';
import { loadDashboard, type DashboardData } from '../../../harness/results/dashboard-data.ts';
import type { History } from '../../../harness/results/history.ts';
import { buildDashboardHistory, dashboardRunId as id, LAB1_NIGHTS, LAB2_NIGHTS } from '../../support/dashboard-history.ts';
import { forEachBackend } from '../../support/history-backends.ts';
import { tempDir } from '../../support/temp-dirs.ts';

const q = { threshold: () => 0.05 };

describe('dashboard data from a history', function () {
  this.timeout(120000);

  // A nested describe: its after() closes the history before the backend's stops the server.
  forEachBackend((backend) => describe('two hosts, 36 nights', () => {
    let history: History;
    let root: string;
    let data: DashboardData;
    before(async () => {
      root = await tempDir('passbench-dashboard-data-');
      history = await backend.open();
      await buildDashboardHistory(root, history, { reports: [id('lab1', 16)] });
      await acknowledgeChanges(history, { runId: id('lab1', 9), metrics: ['http.rate'], by: 'alice', why: 'kernel 6.12: expected' });
      data = await loadDashboard(history, q);
    });
    after(async () => { await history.close(); });

    it('holds each host\'s nights in order and every host × mode × guest × metric series, one point a night', () => {
      assert.deepEqual(data.hosts.map((h) => [h.name, h.nights.length, h.series.length]), [['lab1', LAB1_NIGHTS, 10], ['lab2', LAB2_NIGHTS, 10]]);
      const lab1 = data.hosts[0]!;
      assert.deepEqual(lab1.nights.map((n) => n.runId), Array.from({ length: LAB1_NIGHTS }, (_, i) => id('lab1', i + 1)));
      const tx = lab1.series.find((s) => s.metric === 'tcp.tx.throughput')!;
      assert.equal(tx.points.length, LAB1_NIGHTS);
      assert.ok(tx.points[0]!.value > 8.5e9 && tx.points.at(-1)!.value < 8.5e9, 'the night values are the throughputs, before and after the 15 % step');
    });

    it('marks the nights whose kernel or QEMU changed, with before and after', () => {
      const changed = (host: number) => data.hosts[host]!.nights.filter((n) => Object.keys(n.changed).length > 0).map((n) => [n.runId, n.changed]);
      assert.deepEqual(changed(0), [[id('lab1', 9), { kernel: { before: '6.1.0-27-amd64', after: '6.12.3-amd64' } }]]);
      assert.deepEqual(changed(1), [
        [id('lab2', 6), { qemu: { before: '10.0.2', after: '10.1.0' } }],
        [id('lab2', 13), { qemu: { before: '10.1.0', after: '10.0.2' } }],
      ]);
    });

    it('has the change points passbench changes finds, open, acknowledged and superseded', () => {
      const statuses = (host: number) => data.hosts[host]!.series.flatMap((s) => s.changes.map((c) => [c.runId, c.metric, c.status, c.regression]));
      assert.deepEqual(statuses(0), [
        [id('lab1', 9), 'http.rate', 'acknowledged', true],
        [id('lab1', 9), 'tcp.rx.throughput', 'open', true],
        [id('lab1', 9), 'tcp.tx.line_rate', 'open', true],
        [id('lab1', 9), 'tcp.tx.throughput', 'open', true],
      ]);
      const lab2 = statuses(1);
      assert.ok(lab2.length >= 4, JSON.stringify(lab2));
      for (const [runId, , status, regression] of lab2) {
        assert.deepEqual([status, regression], runId === id('lab2', 6) ? ['superseded', true] : ['open', false], JSON.stringify(lab2));
      }
    });

    it('links a night to its report when the run directory holds one, and says why not otherwise', async () => {
      const lab1 = data.hosts[0]!.nights;
      assert.deepEqual(lab1.at(-1)!.report, { file: path.join(root, 'runs', id('lab1', 16), 'report.html') });
      assert.match('missing' in lab1[0]!.report ? lab1[0]!.report.missing : '', /^no report\.html in .*lab1-n01 \(passbench report lab1-n01 writes it\)$/);
    });

    it('--since: only the nights from then on, the first of them still compared with the night before', async () => {
      const since = await loadDashboard(history, { ...q, host: 'lab1', since: '2026-10-09T00:00:00.000Z' });
      const lab1 = since.hosts[0]!;
      assert.equal(lab1.nights[0]!.runId, id('lab1', 9));
      assert.deepEqual(Object.keys(lab1.nights[0]!.changed), ['kernel']);
      assert.ok(lab1.series.every((s) => s.points.length === LAB1_NIGHTS - 8));
      assert.equal(lab1.series.find((s) => s.metric === 'tcp.tx.throughput')!.changes.length, 1);
    });

    it('an unknown --host is a usage error naming it and the hosts there are', async () => {
      await assert.rejects(loadDashboard(history, { ...q, host: 'lab9' }), (e: unknown) => {
        assert.ok(e instanceof UsageError);
        assert.match(e.message, /--host "lab9": no run of that host in the history/);
        assert.match(e.remedy ?? '', /hosts in it: lab1, lab2/);
        return true;
      });
      await assert.rejects(loadDashboard(history, { ...q, metric: 'no.such.metric' }), (e: unknown) => e instanceof PassbenchError && /holds no series these options select/.test(e.message));
    });
  }));
});
