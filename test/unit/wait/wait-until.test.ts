import assert from 'node:assert/strict';
import { TimeoutError } from '../../../harness/errors.ts';
import { Pace, WaitAbortedError, WaitTimeoutError, fixedDeadline, waitUntil } from '../../../harness/wait/index.ts';

describe('wait/waitUntil', () => {
  it('returns the first value the check gives, retrying undefined and thrown errors', async () => {
    let calls = 0;
    const value = await waitUntil('the third call', () => {
      calls += 1;
      if (calls === 1) throw new Error('not yet');
      return calls === 3 ? 'done' : undefined;
    }, { deadline: 5_000, intervalMs: 1 });
    assert.equal(value, 'done');
    assert.equal(calls, 3);
  });

  it('tells each attempt its number and what remains of the deadline', async () => {
    const seen: { number: number; remainingMs: number }[] = [];
    await waitUntil('two attempts', (a) => (seen.push(a), a.number === 2 ? true : undefined), { deadline: 10_000, intervalMs: 1 });
    assert.deepEqual(seen.map((a) => a.number), [1, 2]);
    assert.ok(seen.every((a) => a.remainingMs > 9_000 && a.remainingMs <= 10_000), JSON.stringify(seen));
  });

  it('on timeout says what, how long, the deadline and where it came from, the attempts and the last failure', async () => {
    const started = Date.now();
    await assert.rejects(waitUntil('the socket /tmp/x.sock', () => { throw new Error('ECONNREFUSED'); },
      { deadline: Pace.forAccel('tcg').scaled(20), intervalMs: 10, remedy: 'Start QEMU.' }), (e: unknown) => {
      assert.ok(e instanceof WaitTimeoutError && e instanceof TimeoutError);
      assert.match(e.message, /^timed out waiting for the socket \/tmp\/x\.sock: waited [\d.]+ s \(deadline 0\.1 s = base 0\.02 s × pace 5, from tcg, nothing measured yet\), \d+ attempts; last failure: ECONNREFUSED$/);
      assert.ok(e.attempts! >= 2);
      assert.ok(e.waitedMs >= 100 && Date.now() - started < 10_000, String(e.waitedMs));
      assert.equal((e.cause as Error).message, 'ECONNREFUSED');
      assert.equal(e.remedy, 'Start QEMU.');
      return true;
    });
  });

  it('puts the context (a console tail) right after the headline, read only at the timeout', async () => {
    let reads = 0;
    await assert.rejects(waitUntil('the console', () => undefined, {
      deadline: fixedDeadline(30, 'run.durations.bootS'), intervalMs: 10, failure: 'guest vf0: console did not show /ready/',
      describeLast: () => 'no match in 3 lines', context: () => { reads += 1; return 'line 1\nline 2\n'; }, contextLabel: 'last lines',
    }), (e: unknown) => {
      assert.ok(e instanceof WaitTimeoutError);
      assert.match(e.message, /^guest vf0: console did not show \/ready\/ within 0\.03 s; last lines:\nline 1\nline 2\nwaited [\d.]+ s \(deadline 0\.03 s, set by run\.durations\.bootS\), \d+ attempts; last seen: no match in 3 lines$/);
      return true;
    });
    assert.equal(reads, 1);
  });

  it('keeps the timeout when the context cannot be read, and says so', async () => {
    await assert.rejects(waitUntil('x', () => undefined, { deadline: 0, context: () => Promise.reject(new Error('gone')), contextLabel: 'console' }),
      (e: unknown) => e instanceof WaitTimeoutError && /console:\n\(unreadable: gone\)/.test(e.message) && e.attempts === 1);
  });

  it('ends at once on an error that waiting cannot cure', async () => {
    let calls = 0;
    const wrongKey = new Error('host key mismatch');
    await assert.rejects(waitUntil('ssh', () => { calls += 1; throw wrongKey; }, { deadline: 10_000, fatal: (e) => e === wrongKey }), (e: unknown) => e === wrongKey);
    assert.equal(calls, 1);
  });

  it('gives up after maxAttempts with the same kind of timeout', async () => {
    let calls = 0;
    await assert.rejects(waitUntil('a channel', () => { calls += 1; throw new Error('Channel open failure'); },
      { deadline: 60_000, maxAttempts: 3, intervalMs: (n) => n }), (e: unknown) => e instanceof WaitTimeoutError
        && /^gave up waiting for a channel after 3 attempts: waited .*, 3 attempts; last failure: Channel open failure$/.test(e.message));
    assert.equal(calls, 3);
  });

  it('stops between attempts when aborted, with the caller\'s error', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    await assert.rejects(waitUntil('never', () => undefined, { deadline: 60_000, intervalMs: 10_000, signal: controller.signal, abortError: () => new Error('boot aborted') }),
      /boot aborted/);
    assert.ok(Date.now() - started < 2_000);
  });

  it('stops during a hung attempt when aborted (WaitAbortedError by default)', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(waitUntil('a hung check', () => new Promise<undefined>(() => undefined), { deadline: 60_000, signal: controller.signal }),
      (e: unknown) => e instanceof WaitAbortedError && /waiting for a hung check: aborted/.test(e.message));
  });

  it('does not start when already aborted', async () => {
    let calls = 0;
    await assert.rejects(waitUntil('x', () => { calls += 1; return 1; }, { deadline: 1_000, signal: AbortSignal.abort() }), WaitAbortedError);
    assert.equal(calls, 0);
  });
});
