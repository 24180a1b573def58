/**
 * A host whose calls each take a moment, counting how many were in flight at once: over SSH each
 * call is a round trip (45-140 ms to the virtual lab host), so reads that do not depend on each
 * other should go out together.
 */
export function slowHost<H extends object>(host: H, methods: readonly (keyof H & string)[], o: { delayMs?: number; only?: (arg: unknown) => boolean } = {}): { host: H; mostInFlight: () => number } {
  let inFlight = 0;
  let most = 0;
  const slow = Object.create(host) as H;
  for (const method of methods) {
    const original = (host[method] as (...args: unknown[]) => Promise<unknown>).bind(host);
    Object.assign(slow, { [method]: async (...args: unknown[]) => {
      // Calls `only` leaves out (by their first argument) go straight through, uncounted.
      if (o.only && !o.only(args[0])) return original(...args);
      most = Math.max(most, ++inFlight);
      try {
        await new Promise((resolve) => setTimeout(resolve, o.delayMs ?? 5));
        return await original(...args);
      } finally {
        inFlight -= 1;
      }
    } });
  }
  return { host: slow, mostInFlight: () => most };
}
