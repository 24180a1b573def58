import { UsageError } from '../errors.ts';

/**
 * A PCI address in the kernel's canonical form `DDDD:BB:DD.F` (lower-case hex, domain included).
 * It is parsed once at the edge; everything below takes a `Bdf`, so no unchecked string ever
 * reaches a sysfs path or a command line.
 */
export type Bdf = string & { readonly __brand: 'Bdf' };

const CANONICAL = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/;

export function isBdf(text: string): text is Bdf {
  return CANONICAL.test(text);
}

/** Accepts only the canonical form, naming what is wrong with anything else. */
export function parseBdf(text: string, what = 'PCI address'): Bdf {
  if (isBdf(text)) return text;
  const hint = canonicalHint(text);
  throw new UsageError(
    `${what} ${JSON.stringify(text)} is not a PCI address in the form DDDD:BB:DD.F (for example 0000:03:00.0)` +
      (hint ? `; did you mean ${hint}?` : ''),
    { remedy: 'Use the full address as `passbench devices` or `lspci -D` prints it.' },
  );
}

/** For messages only: what a short or upper-case address probably meant. Never used to accept one. */
function canonicalHint(text: string): string | undefined {
  const m = /^(?:([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/.exec(text);
  if (!m) return undefined;
  const [, domain = '0', bus = '', slot = '', fn = ''] = m;
  const candidate = `${domain.padStart(4, '0')}:${bus.padStart(2, '0')}:${slot.padStart(2, '0')}.${fn}`.toLowerCase();
  return isBdf(candidate) ? candidate : undefined;
}
