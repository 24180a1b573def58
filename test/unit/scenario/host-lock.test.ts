import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { acquireHostLock, LockError, withHostLock, type LockOwner } from '../../../harness/scenario/host-lock.ts';
import type { Bdf } from '../../../harness/pci/bdf.ts';
import { assignGroups } from '../../../harness/prepare/assign-group.ts';
import { Journal } from '../../../harness/prepare/journal.ts';
import { LAB, useSimLabs } from '../../support/sim-kernel.ts';
import { simHost, treeRunner } from './fake-lab.ts';

const LOCK = '/var/lib/passbench/run.lock';
const JOURNAL = '/var/lib/passbench/journal.json';
const owner = (command: string, pid: number): LockOwner => ({ command, pid, controller: 'ctl', startedAt: '2026-12-02T20:00:00Z' });

describe('scenario/host-lock: one host-changing passbench at a time', () => {
  const lab = useSimLabs();

  it('two commands at once: one holds the lock, the other is refused (exit 3) naming the holder', async () => {
    const { sim, root } = await simHost(lab);
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => { release = r; });
    const first = withHostLock(sim, 'lab1', LOCK, owner('bind', 111), { controller: 'ctl', isAlive: () => true }, () => held);
    await new Promise((r) => setTimeout(r, 20));
    const second = withHostLock(sim, 'lab1', LOCK, owner('sriov', 222), { controller: 'ctl', isAlive: () => true }, async () => 'ran');
    await assert.rejects(second, (e: unknown) => e instanceof LockError && e.exitCode === 3 && !e.stale
      && /host lab1 is busy: passbench bind \(pid 111 on ctl/.test(e.message) && /--wait/.test(e.remedy ?? ''));
    release();
    await first;
    await assert.rejects(fs.stat(path.join(root, LOCK)), 'released after the work');
  });

  it('--wait: the second command waits for the first to release the lock, then runs', async () => {
    const { sim } = await simHost(lab);
    const order: string[] = [];
    const first = withHostLock(sim, 'lab1', LOCK, owner('bind', 111), { controller: 'ctl' }, async () => {
      await new Promise((r) => setTimeout(r, 1200));
      order.push('first done');
    });
    await new Promise((r) => setTimeout(r, 20));
    await withHostLock(sim, 'lab1', LOCK, owner('sriov', 222), { controller: 'ctl', isAlive: () => true, waitS: 10 }, async () => { order.push('second ran'); });
    await first;
    assert.deepEqual(order, ['first done', 'second ran']);
  });

  it('--wait that runs out says how long it waited and who still holds the lock', async () => {
    const { sim } = await simHost(lab);
    await acquireHostLock(sim, 'lab1', LOCK, owner('run', 111), { controller: 'ctl' });
    await assert.rejects(acquireHostLock(sim, 'lab1', LOCK, owner('bind', 222), { controller: 'ctl', isAlive: () => true, waitS: 1 }),
      (e: unknown) => e instanceof LockError && /busy: passbench run \(pid 111.*\(waited 1 s\)/.test(e.message));
  });

  it('a live owner\'s lock is never taken over, not even by restore', async () => {
    const { sim, root } = await simHost(lab);
    await acquireHostLock(sim, 'lab1', LOCK, owner('run', 111), { controller: 'ctl' });
    await assert.rejects(acquireHostLock(sim, 'lab1', LOCK, owner('restore', 222), { controller: 'ctl', isAlive: () => true, takeOverStale: true }),
      (e: unknown) => e instanceof LockError && !e.stale);
    assert.equal(JSON.parse(await fs.readFile(path.join(root, LOCK, 'owner.json'), 'utf8')).pid, 111);
  });

  it('restore takes over a dead owner\'s stale lock and names it; other commands are refused', async () => {
    const { sim, root } = await simHost(lab);
    await acquireHostLock(sim, 'lab1', LOCK, owner('run', 111), { controller: 'ctl' });
    const dead = { controller: 'ctl', isAlive: () => false };
    await assert.rejects(acquireHostLock(sim, 'lab1', LOCK, owner('bind', 222), dead), (e: unknown) => e instanceof LockError && e.stale);
    const lock = await acquireHostLock(sim, 'lab1', LOCK, owner('restore', 333), { ...dead, takeOverStale: true });
    assert.equal(lock.tookOver?.owner?.pid, 111);
    assert.equal(JSON.parse(await fs.readFile(path.join(root, LOCK, 'owner.json'), 'utf8')).pid, 333);
    assert.deepEqual((await fs.readdir(path.join(root, 'var/lib/passbench'))).sort(), ['run.lock'], 'the stale one is gone, nothing left aside');
    await lock.release();
  });

  it('an owner on another controller is never judged dead from here', async () => {
    const { sim } = await simHost(lab);
    await acquireHostLock(sim, 'lab1', LOCK, { ...owner('run', 111), controller: 'elsewhere' }, { controller: 'elsewhere' });
    await assert.rejects(acquireHostLock(sim, 'lab1', LOCK, owner('restore', 222), { controller: 'ctl', isAlive: () => false, takeOverStale: true }),
      (e: unknown) => e instanceof LockError && !e.stale && /it runs on elsewhere: check there/.test(e.remedy ?? ''));
  });

  it('a lock let go while it was being looked at (no owner yet, then gone) is taken, not called dead', async () => {
    const { sim, root } = await simHost(lab);
    // Another command between its mkdir and its owner.json, which then finishes and releases.
    await fs.mkdir(path.join(root, LOCK), { recursive: true });
    setTimeout(() => void fs.rm(path.join(root, LOCK), { recursive: true }), 300);
    const lock = await acquireHostLock(sim, 'lab1', LOCK, owner('bind', 222), { controller: 'ctl', isAlive: () => true });
    assert.equal(JSON.parse(await fs.readFile(path.join(root, LOCK, 'owner.json'), 'utf8')).pid, 222);
    await lock.release();
  });

  it('two commands at once over two connections, 30 times: with --wait both run, one after the other, and the journal keeps every step', async function () {
    this.timeout(60_000);
    for (let i = 0; i < 30; i++) {
      const { sim, reopen, root } = await simHost(lab);
      const other = reopen({ run: treeRunner(() => root) });
      const bind = (host: typeof sim, pid: number, bdf: string) => withHostLock(host, 'lab1', LOCK, owner('bind', pid), { controller: 'ctl', isAlive: () => true, waitS: 10, pollMs: 20 },
        () => assignGroups(host, [bdf as Bdf], { probeActive: async () => [], force: true }));
      await Promise.all([bind(sim, 1, LAB.lpc), bind(other, 2, LAB.nicSpare)]);
      assert.equal((await Journal.load(sim, JOURNAL))?.steps.length, 4, `try ${i + 1}`);
    }
  });
});
