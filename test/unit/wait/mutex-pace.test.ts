import assert from 'node:assert/strict';
import { Mutex, Pace, Semaphore, delay, describeDeadline, raceAbort } from '../../../harness/wait/index.ts';

describe('wait/Mutex and Semaphore', () => {
  it('a mutex lets one through at a time, in the order they asked', async () => {
    const mutex = new Mutex();
    const order: string[] = [];
    const job = (name: string, ms: number) => mutex.use(async () => {
      order.push(`${name} in`);
      await delay(ms);
      order.push(`${name} out`);
    });
    await Promise.all([job('a', 30), job('b', 1), job('c', 1)]);
    assert.deepEqual(order, ['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
  });

  it('releases when the work fails, and a second release does nothing', async () => {
    const mutex = new Mutex();
    await assert.rejects(mutex.use(async () => { throw new Error('boom'); }), /boom/);
    const release = await mutex.acquire();
    release();
    release();
    const again = await mutex.acquire();
    assert.equal(mutex.waiting, 0);
    again();
  });

  it('a semaphore admits `size` holders and queues the rest', async () => {
    const pool = new Semaphore(2);
    const a = await pool.acquire();
    await pool.acquire();
    let third = false;
    const waiting = pool.acquire().then((r) => { third = true; return r; });
    await delay(5);
    assert.equal(third, false);
    assert.equal(pool.waiting, 1);
    a();
    (await waiting)();
    assert.equal(third, true);
    assert.throws(() => new Semaphore(0), RangeError);
  });
});

describe('wait/Pace', () => {
  it('is the accelerator\'s pace before anything is measured', () => {
    assert.equal(Pace.forAccel('kvm').factor, 1);
    assert.equal(Pace.forAccel('tcg').factor, 5);
    assert.equal(Pace.neutral().factor, 1);
  });

  it('scales a base and says how: base × pace, from what', () => {
    const pace = Pace.fromLabBoot(16_000, 'tcg');
    assert.equal(pace.factor, 10);
    const d = pace.scaled(120_000);
    assert.equal(d.ms, 1_200_000);
    assert.equal(describeDeadline(d), 'deadline 1200 s = base 120 s × pace 10, from the lab host\'s boot (SSH after 16 s, 8 s when idle) × tcg 5');
    assert.equal(describeDeadline(60_000), 'deadline 60 s');
  });

  it('is clamped to 1–20 and says so', () => {
    const slow = Pace.fromLabBoot(80_000, 'tcg');
    assert.equal(slow.factor, 20);
    assert.match(slow.source, /; 50 clamped to 1–20$/);
    const quick = Pace.fromRun(5_000, 10_000, 'warm-up of tcp.tx');
    assert.equal(quick.factor, 1);
    assert.equal(String(quick), 'pace 1 (warm-up of tcp.tx: 5 s for 10 s nominal; 0.5 clamped to 1–20)');
    assert.equal(Pace.fromRun(12_300, 4_000, 'warm-up').factor, 3.075);
  });

  it('refuses values that make no deadline', () => {
    assert.throws(() => Pace.fromRun(1, 0, 'x'), RangeError);
    assert.throws(() => Pace.fromLabBoot(Number.NaN, 'tcg'), RangeError);
    assert.throws(() => Pace.neutral().scaled(-1), RangeError);
  });
});

describe('wait/raceAbort', () => {
  it('the work\'s value, or the caller\'s error as soon as the signal aborts', async () => {
    assert.equal(await raceAbort(Promise.resolve(1), new AbortController().signal, () => new Error('x')), 1);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    await assert.rejects(raceAbort(new Promise(() => undefined), controller.signal, () => new Error('boot aborted')), /boot aborted/);
    await assert.rejects(raceAbort(Promise.reject(new Error('late')), AbortSignal.abort(), () => new Error('aborted first')), /aborted first/);
  });
});
