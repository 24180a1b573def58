/**
 * Errors no wait can cure, whoever waits: a connection that is gone stays gone. Such an error (or
 * one caused by it, at any depth of `cause`) ends every waitUntil at once, whatever its own `fatal`
 * says: a poll over a dead SSH connection otherwise retries until its deadline (40 minutes in a lab
 * test whose lab host dropped the session).
 */
const FINAL = Symbol.for('passbench.final-error');

/** Marks an error (an instance, or every instance of a class through its prototype) as final. */
export function markFinal<T extends object>(target: T): T {
  Object.defineProperty(target, FINAL, { value: true });
  return target;
}

export function isFinal(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if ((e as unknown as Record<symbol, unknown>)[FINAL] === true) return true;
  }
  return false;
}
