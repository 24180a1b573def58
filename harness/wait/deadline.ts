/**
 * A deadline that knows how it was chosen. A timeout message then says not only how long it
 * waited but why it was that long ("600 s = base 120 s × pace 5, from …"), so a person can tell a
 * hang from a deadline that was too tight for a loaded machine.
 */
export interface Deadline {
  readonly ms: number;
  /** How the figure came about, after "deadline N s": "= base 120 s × pace 5, from …" or ", set by run.durations.bootS". */
  readonly origin: string;
}

/** A plain number of milliseconds is a deadline with nothing to say about its origin. */
export type DeadlineLike = number | Deadline;

/** A deadline someone set explicitly (a config value, an option): `origin` names who. */
export function fixedDeadline(ms: number, setBy?: string): Deadline {
  checkMs(ms);
  return { ms, origin: setBy ? `, set by ${setBy}` : '' };
}

export function asDeadline(deadline: DeadlineLike): Deadline {
  return typeof deadline === 'number' ? fixedDeadline(deadline) : deadline;
}

/** "deadline 600 s = base 120 s × pace 5, from the lab host's boot …" */
export function describeDeadline(deadline: DeadlineLike): string {
  const d = asDeadline(deadline);
  return `deadline ${seconds(d.ms)} s${d.origin}`;
}

/** Milliseconds as seconds for messages: 60000 → "60", 61234 → "61.2", 200 → "0.2", 50 → "0.05". */
export function seconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(ms < 1000 ? 2 : 1)));
}

export function checkMs(ms: number): void {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`a deadline must be a finite number of ms ≥ 0, got ${ms}`);
}
