import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openHistory, type History } from '../../../harness/results/history.ts';
import { openPostgresDb } from '../../../harness/results/history/postgres-db.ts';
import { openSqliteDb } from '../../../harness/results/history/sqlite-db.ts';
import { fakeMeta, fakeSamples, writeFakeRun } from '../../support/fake-run.ts';
import { forEachBackend } from '../../support/history-backends.ts';

describe('history', () => {
  let root: string;
  before(async () => { root = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-runs-')); });
  after(async () => { await fs.rm(root, { recursive: true, force: true }); });
  const day = (d: number) => new Date(Date.UTC(2026, 10, d, 2, 0, 0));

  forEachBackend((backend) => {
    let history: History;
    beforeEach(async () => { history = await backend.open(); });
    afterEach(async () => { await history.close(); });

    const importFake = async (runId: string, o: Parameters<typeof writeFakeRun>[1] extends infer T ? Partial<T> : never = {}) => {
      const dir = path.join(root, `${backend.name}-${runId}-${Math.random().toString(16).slice(2)}`);
      await writeFakeRun(dir, { runId, modes: ['nic', 'vf'], repetitions: 5, ...o });
      return history.importRun(dir);
    };

    it('imports a run directory with its hosts, samples and checks, and lists it', async () => {
      const meta = await importFake('r1', { startedAt: day(1), failingCheck: true });
      const [row] = await history.listRuns();
      assert.equal(row?.runId, 'r1');
      assert.equal(row?.status, 'passed');
      assert.equal(row?.startedAt, meta.startedAt);
      assert.deepEqual(row?.hosts.map((h) => [h.name, h.kernel, h.qemu, h.accel]), [['lab1', '6.1.0-27-amd64', '10.0.2', 'kvm']]);
      assert.equal(row?.samples, 2 * 10 * 6);
      assert.equal(row?.checks, 4);
      assert.equal(row?.failedChecks, 1);
      assert.deepEqual(await history.runMeta('r1'), meta);
      assert.equal((await history.checksOf('r1'))[3]?.details, 'igbvf 0000:00:04.0: <link down> & "no carrier"');
    });

    it('re-importing a run id replaces it (one transaction, no duplicates)', async () => {
      await importFake('r1', { startedAt: day(1), repetitions: 5 });
      await importFake('r1', { startedAt: day(1), repetitions: 3 });
      const runs = await history.listRuns();
      assert.equal(runs.length, 1);
      assert.equal(runs[0]?.samples, 2 * 10 * 4);
    });

    it('a failing import leaves the history as it was', async () => {
      await importFake('r1', { startedAt: day(1) });
      const meta = fakeMeta({ runId: 'r1', startedAt: day(1) });
      // The same host twice breaks the hosts primary key half-way through the import.
      const broken = { ...meta, hosts: [meta.hosts[0]!, meta.hosts[0]!] };
      await assert.rejects(history.importRunData({ dir: '', meta: broken, samples: fakeSamples({ runId: 'r1', modes: ['nic'] }), checks: [] }));
      assert.equal((await history.listRuns())[0]?.samples, 2 * 10 * 6);
    });

    it('filters by host, kernel (version prefix), qemu, scenario, mode, metric, status, since and limit', async () => {
      await importFake('a', { startedAt: day(1), kernel: '6.1.0-27-amd64' });
      await importFake('b', { startedAt: day(2), kernel: '6.12.3-amd64', modes: ['e1000'] });
      await importFake('c', { startedAt: day(3), kernel: '6.12.3-amd64', host: 'lab2', qemu: '9.2.0', status: 'failed' });
      await importFake('d', { startedAt: day(4), scenario: 'smoke' });
      const ids = async (f: Parameters<History['listRuns']>[0]) => (await history.listRuns(f)).map((r) => r.runId);
      assert.deepEqual(await ids({}), ['d', 'c', 'b', 'a']);
      assert.deepEqual(await ids({ kernel: '6.1' }), ['d', 'a']);
      assert.deepEqual(await ids({ kernel: '6.12' }), ['c', 'b']);
      assert.deepEqual(await ids({ host: 'lab2' }), ['c']);
      assert.deepEqual(await ids({ qemu: '10' }), ['d', 'b', 'a']);
      assert.deepEqual(await ids({ scenario: 'smoke' }), ['d']);
      assert.deepEqual(await ids({ mode: 'e1000' }), ['b']);
      assert.deepEqual(await ids({ mode: 'vf', metric: 'http.rate' }), ['d', 'c', 'a']);
      assert.deepEqual(await ids({ metric: 'no.such' }), []);
      assert.deepEqual(await ids({ status: 'failed' }), ['c']);
      assert.deepEqual(await ids({ since: '2026-11-03' }), ['d', 'c']);
      assert.deepEqual(await ids({ limit: 2 }), ['d', 'c']);
      await assert.rejects(history.listRuns({ mode: 'sriov' as never }), /mode "sriov" is not known; expected one of nic, vf, e1000, virtio/);
      await assert.rejects(history.listRuns({ since: 'yesterday' }), /since "yesterday" is not a date/);
    });

    it('returns samples of a metric for the selected runs, without warm-ups unless asked', async () => {
      await importFake('a', { startedAt: day(1), kernel: '6.1.0-27-amd64' });
      await importFake('b', { startedAt: day(2), kernel: '6.12.3-amd64' });
      const samples = await history.samples({ kernel: '6.12', metric: 'tcp.tx.throughput', mode: 'nic' });
      assert.equal(samples.length, 5);
      assert.ok(samples.every((s) => s.runId === 'b' && s.kernel === '6.12.3-amd64' && !s.warmup && s.mode === 'nic'));
      const all = await history.samples({ metric: 'tcp.tx.throughput', mode: 'nic' }, { includeWarmup: true });
      assert.deepEqual(all.map((s) => s.runId), [...Array(6).fill('a'), ...Array(6).fill('b')]);
      const original = fakeSamples({ runId: 'a', modes: ['nic', 'vf'], repetitions: 5 }).find((s) => s.metric === 'tcp.tx.throughput' && s.mode === 'nic');
      assert.equal(all[0]?.value, original?.value);
      assert.deepEqual(all[0]?.labels, {});
    });

    it('stores each run\'s median per metric for trends, oldest run first', async () => {
      await importFake('a', { startedAt: day(2), kernel: '6.1.0-27-amd64' });
      await importFake('b', { startedAt: day(1), kernel: '6.12.3-amd64' });
      const medians = await history.runMedians({ metric: 'tcp.tx.throughput', mode: 'vf' });
      assert.deepEqual(medians.map((m) => [m.runId, m.kernel, m.guest, m.n]), [['b', '6.12.3-amd64', 'vf0', 5], ['a', '6.1.0-27-amd64', 'vf0', 5]]);
      const values = (await history.samples({ runIds: ['a'], metric: 'tcp.tx.throughput', mode: 'vf' })).map((s) => s.value).sort((x, y) => x - y);
      assert.equal(medians[1]?.median, values[2]);
      assert.equal((await history.runMedians({})).length, 2 * 2 * 10);
    });

    it('refuses a history written by a newer passbench (another history version)', async () => {
      await importFake('a', { startedAt: day(1) });
      const location = backend.lastLocation();
      const db = backend.name === 'sqlite' ? openSqliteDb(location) : await openPostgresDb(location);
      await db.run('UPDATE passbench_history SET version = 99');
      await db.close();
      await assert.rejects(openHistory(location), /has version 99; this passbench reads versions 1 to 2/);
    });

    it('finds the last good night: latest passed run of the scenario on the host before a run', async () => {
      await importFake('n1', { startedAt: day(1) });
      await importFake('n2', { startedAt: day(2) });
      await importFake('n3', { startedAt: day(3), status: 'failed' });
      await importFake('other', { startedAt: day(3), host: 'lab2' });
      await importFake('smoke', { startedAt: day(3), scenario: 'smoke' });
      await importFake('n4', { startedAt: day(4) });
      assert.equal((await history.lastGoodBefore('n4'))?.runId, 'n2');
      assert.equal((await history.lastGoodBefore('n2'))?.runId, 'n1');
      assert.equal(await history.lastGoodBefore('n1'), undefined);
      await assert.rejects(history.lastGoodBefore('nope'), /run nope is not in the history/);
    });
  });
});
