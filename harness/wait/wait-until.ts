import { errorMessage } from '../errors.ts';
import { WaitAbortedError, raceAbort } from './abort.ts';
import { asDeadline, seconds, type DeadlineLike } from './deadline.ts';
import { delay } from './delay.ts';
import { isFinal } from './final-error.ts';
import { WaitTimeoutError, describeWait, type WaitFacts } from './timeout-error.ts';

/** What each attempt is told: checks that themselves take time (an SSH connect) bound it by `remainingMs`. */
export interface Attempt {
  /** From 1. */
  number: number;
  elapsedMs: number;
  remainingMs: number;
}

export interface WaitOptions {
  /** How long in all; a Deadline from Pace.scaled also says in the timeout message how it was chosen. */
  deadline: DeadlineLike;
  /** Pause between attempts (default 250 ms); a function of the attempt just made for a back-off. */
  intervalMs?: number | ((attempt: number) => number);
  /** Ends the wait at once, also during an attempt, with `abortError()` (default WaitAbortedError). */
  signal?: AbortSignal;
  abortError?: () => Error;
  /** An error that waiting longer cannot cure (a wrong host key, QEMU gone): rethrown at once. So is any isFinal error. */
  fatal?: (error: unknown) => boolean;
  /** Also give up after this many attempts (a timeout all the same). */
  maxAttempts?: number;
  /** What the last attempt saw when it returned undefined, for the message ("driver: none"). */
  describeLast?: () => string;
  /** Lines to add to the timeout message, read only then (a console's tail); `contextLabel` heads them. */
  context?: () => string | Promise<string>;
  contextLabel?: string;
  /** How the timeout reads instead of "timed out waiting for <what>"; " within N s" follows it. */
  failure?: string;
  remedy?: string;
}

const DEFAULT_INTERVAL_MS = 250;

/**
 * Polls `check` until it returns a value (not undefined) and returns that value. A check that
 * throws is retried, unless `fatal` says the error is final. At the deadline (or after
 * `maxAttempts`) throws WaitTimeoutError. An error marked final (final-error.ts) is never retried. There is one attempt at least, and one at the deadline.
 */
export async function waitUntil<T>(
  what: string,
  check: (attempt: Attempt) => T | undefined | Promise<T | undefined>,
  o: WaitOptions,
): Promise<T> {
  const deadline = asDeadline(o.deadline);
  const started = Date.now();
  const abortError = o.abortError ?? (() => new WaitAbortedError(`waiting for ${what}`));
  let lastError: unknown;
  let attempts = 0;
  for (;;) {
    if (o.signal?.aborted) throw abortError();
    attempts += 1;
    const elapsedMs = Date.now() - started;
    try {
      const value = await raceAbort(Promise.resolve().then(() => check({ number: attempts, elapsedMs, remainingMs: Math.max(0, deadline.ms - elapsedMs) })),
        o.signal, abortError);
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (error) {
      if (o.signal?.aborted || isFinal(error) || o.fatal?.(error)) throw error;
      lastError = error;
    }
    const remaining = deadline.ms - (Date.now() - started);
    const exhausted = o.maxAttempts !== undefined && attempts >= o.maxAttempts;
    if (remaining <= 0 || exhausted) {
      const facts = { what, waitedMs: Date.now() - started, deadline, attempts, lastError, lastSeen: o.describeLast?.() };
      throw await timeoutError(facts, o, exhausted && remaining > 0);
    }
    const pause = typeof o.intervalMs === 'function' ? o.intervalMs(attempts) : o.intervalMs ?? DEFAULT_INTERVAL_MS;
    await delay(Math.min(pause, remaining), o.signal).catch(() => {
      throw abortError();
    });
  }
}

async function timeoutError(facts: WaitFacts, o: WaitOptions, outOfAttempts: boolean): Promise<WaitTimeoutError> {
  const headline = outOfAttempts ? `gave up waiting for ${facts.what} after ${facts.attempts} attempts`
    : o.failure ? `${o.failure} within ${seconds(facts.deadline.ms)} s` : `timed out waiting for ${facts.what}`;
  let message = `${headline}: ${describeWait(facts)}`;
  if (o.context) {
    const context = await Promise.resolve().then(o.context).catch((error: unknown) => `(unreadable: ${errorMessage(error)})`);
    // The context right after the headline (what a person reads first), the figures below it.
    message = `${headline}; ${o.contextLabel ?? 'context'}:\n${context.trimEnd() || '(empty)'}\n${describeWait(facts)}`;
  }
  return new WaitTimeoutError(message, facts, { remedy: o.remedy });
}
