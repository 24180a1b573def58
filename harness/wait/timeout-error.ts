import { TimeoutError, errorMessage, type ErrorDetails } from '../errors.ts';
import { asDeadline, describeDeadline, seconds, type Deadline } from './deadline.ts';

/** What a wait knew when it gave up: everything the message is made from, kept for callers. */
export interface WaitFacts {
  /** What was waited for, e.g. "guest vf0's console to show /services started/". */
  what: string;
  waitedMs: number;
  deadline: Deadline;
  /** Polls made (absent for a single awaited call). */
  attempts?: number;
  /** The last attempt's error, if it threw. */
  lastError?: unknown;
  /** What the last attempt saw, when it did not throw ("driver: none"). */
  lastSeen?: string;
}

/**
 * A wait ran past its deadline. The message says what it waited for, how long, against which
 * deadline and where that came from, how many attempts, the last failure, and any context (such
 * as a console's last lines), so it can be acted on without rerunning.
 */
export class WaitTimeoutError extends TimeoutError {
  readonly what: string;
  readonly waitedMs: number;
  readonly deadline: Deadline;
  readonly attempts?: number;
  readonly lastError?: unknown;

  constructor(message: string, facts: WaitFacts, details: ErrorDetails = {}) {
    super(message, { cause: facts.lastError, ...details });
    this.what = facts.what;
    this.waitedMs = facts.waitedMs;
    this.deadline = facts.deadline;
    this.attempts = facts.attempts;
    this.lastError = facts.lastError;
  }
}

/** "waited 61.3 s (deadline 60 s, set by …), 31 attempts; last failure: …" */
export function describeWait(facts: WaitFacts): string {
  const tries = facts.attempts === undefined ? '' : `, ${facts.attempts} attempt${facts.attempts === 1 ? '' : 's'}`;
  const last = facts.lastError !== undefined ? `; last failure: ${errorMessage(facts.lastError)}`
    : facts.lastSeen !== undefined ? `; last seen: ${facts.lastSeen}` : '';
  return `waited ${seconds(facts.waitedMs)} s (${describeDeadline(asDeadline(facts.deadline))})${tries}${last}`;
}
