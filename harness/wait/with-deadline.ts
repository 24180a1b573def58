import { WaitAbortedError, raceAbort } from './abort.ts';
import { asDeadline, describeDeadline, type DeadlineLike } from './deadline.ts';
import { WaitTimeoutError } from './timeout-error.ts';

export interface WithDeadlineOptions {
  /** Ends the wait at once with `abortError()` (default WaitAbortedError naming `what`). */
  signal?: AbortSignal;
  abortError?: () => Error;
  remedy?: string;
}

/**
 * One call with a deadline: its value, or WaitTimeoutError "<what>: no result after N ms (deadline
 * …)" once the deadline passes. The call is not cancelled (a promise cannot be); the caller ends
 * what it started (kills the process, closes the channel) when this throws.
 */
export async function withDeadline<T>(work: Promise<T>, deadline: DeadlineLike, what: string, o: WithDeadlineOptions = {}): Promise<T> {
  const d = asDeadline(deadline);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeoutError(`${what}: no result after ${d.ms} ms (${describeDeadline(d)})`,
      { what, waitedMs: d.ms, deadline: d }, { remedy: o.remedy })), d.ms);
  });
  work.catch(() => undefined);
  try {
    const raced = Promise.race([work, expired]);
    return await (o.signal ? raceAbort(raced, o.signal, o.abortError ?? (() => new WaitAbortedError(what))) : raced);
  } finally {
    clearTimeout(timer);
  }
}

/** The promise's value, or undefined once `ms` have passed: for a bounded grace, where running late is not an error. */
export async function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
