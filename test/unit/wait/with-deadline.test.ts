import assert from 'node:assert/strict';
import { Pace, WaitAbortedError, WaitTimeoutError, delay, within, withDeadline } from '../../../harness/wait/index.ts';

describe('wait/withDeadline, within, delay', () => {
  it('passes a value or an error through before the deadline', async () => {
    assert.equal(await withDeadline(Promise.resolve(7), 1_000, 'seven'), 7);
    await assert.rejects(withDeadline(Promise.reject(new Error('no')), 1_000, 'no'), /^Error: no$/);
  });

  it('names the call and the deadline with its origin when it runs past', async () => {
    await assert.rejects(withDeadline(new Promise(() => undefined), Pace.fromRun(300, 100, 'warm-up').scaled(10), 'SFTP read /x on h'),
      (e: unknown) => e instanceof WaitTimeoutError
        && e.message === 'SFTP read /x on h: no result after 30 ms (deadline 0.03 s = base 0.01 s × pace 3, from warm-up: 0.3 s for 0.1 s nominal)');
  });

  it('ends at once on abort', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(withDeadline(new Promise(() => undefined), 60_000, 'iperf3', { signal: controller.signal }),
      (e: unknown) => e instanceof WaitAbortedError && e.message === 'iperf3: aborted');
  });

  it('within: the value, or undefined once the time is up', async () => {
    assert.equal(await within(Promise.resolve('x'), 1_000), 'x');
    assert.equal(await within(new Promise(() => undefined), 10), undefined);
  });

  it('delay: waits, and rejects at once when aborted', async () => {
    const started = Date.now();
    await delay(30);
    assert.ok(Date.now() - started >= 25);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    const t = Date.now();
    await assert.rejects(delay(60_000, controller.signal), WaitAbortedError);
    assert.ok(Date.now() - t < 2_000);
    await assert.rejects(delay(10, AbortSignal.abort()), WaitAbortedError);
    assert.throws(() => delay(-1), RangeError);
  });
});
