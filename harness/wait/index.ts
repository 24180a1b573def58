/**
 * One way to wait (cloud-hypervisor's wait_until): polling with a deadline and a message that
 * explains it, abortable pauses, single calls with a deadline, a mutex and a semaphore, and the
 * pace that scales deadlines. A leaf: it imports only Node builtins and harness/errors.ts.
 */
export { WaitAbortedError, raceAbort } from './abort.ts';
export { asDeadline, describeDeadline, fixedDeadline, seconds, type Deadline, type DeadlineLike } from './deadline.ts';
export { delay } from './delay.ts';
export { isFinal, markFinal } from './final-error.ts';
export { Mutex, Semaphore, type Release } from './mutex.ts';
export { ACCEL_PACE, LAB_BOOT_REFERENCE_MS, PACE_RANGE, Pace, type Accel } from './pace.ts';
export { WaitTimeoutError, describeWait, type WaitFacts } from './timeout-error.ts';
export { waitUntil, type Attempt, type WaitOptions } from './wait-until.ts';
export { within, withDeadline, type WithDeadlineOptions } from './with-deadline.ts';
