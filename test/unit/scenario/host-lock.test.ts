import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { acquireHostLock, LockError, withHostLock, type LockOwner } from '../../../harness/scenario/host-lock.ts';
import { useSimLabs } from '../../support/sim-kernel.ts';
import { simHost } from './fake-lab.ts';

const LOCK = '/var/lib/passbench/run.lock';
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
});
