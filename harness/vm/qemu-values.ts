import { UsageError } from '../errors.ts';

/**
 * Checks for every value that lands inside a QEMU option. QEMU splits option values on ',' (and
 * `-device`/`-netdev` take `key=value` lists), so a comma, a space or a control character in a path
 * or a name would inject options. Each check names the field and the value it refused.
 */
const SAFE_PATH = /^[A-Za-z0-9_./+@-][A-Za-z0-9_./+@~:-]*$/;
const SAFE_NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;

export function checkPath(field: string, value: string): string {
  if (!SAFE_PATH.test(value)) {
    throw new UsageError(`${field} ${JSON.stringify(value)} contains characters QEMU options cannot carry`, {
      remedy: 'Use a path made of letters, digits and . _ - / + @ ~ : (no commas, spaces or control characters).',
    });
  }
  return value;
}

/** Names QEMU uses as ids or labels: a letter, then letters, digits, `_`, `.`, `-`. */
export function checkName(field: string, value: string): string {
  if (!SAFE_NAME.test(value)) {
    throw new UsageError(`${field} ${JSON.stringify(value)} is not a valid name`, {
      remedy: 'Start with a letter; use only letters, digits and _ . - (no commas, spaces or control characters).',
    });
  }
  return value;
}

/** A -cpu value: a model, then comma-separated features (`max,-la57`, `host,+vmx`, `max,l3-cache=on`). */
export function checkCpuModel(field: string, value: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_.-]*(,[+-]?[A-Za-z0-9_.-]+(=[A-Za-z0-9_.-]+)?)*$/.test(value)) {
    throw new UsageError(`${field} ${JSON.stringify(value)} is not a QEMU -cpu value`, {
      remedy: 'Give a CPU model, then comma-separated features: max, max,-la57, host.',
    });
  }
  return value;
}

export function checkInt(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${field} must be an integer from ${min} to ${max}, not ${value}`);
  }
  return value;
}

/** One kernel argument: no whitespace, quotes or control characters (they would split or confuse the command line). */
export function checkKernelArg(field: string, value: string): string {
  if (!/^[\x21-\x7e]+$/.test(value) || /["'\\]/.test(value)) {
    throw new UsageError(`${field} ${JSON.stringify(value)} is not a single kernel argument`, {
      remedy: 'Pass each kernel argument as its own array element, without spaces, quotes or control characters.',
    });
  }
  return value;
}

/** A MAC address `52:54:00:12:34:56` (lower- or upper-case hex). */
export function checkMac(field: string, value: string): string {
  if (!/^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$/.test(value)) {
    throw new UsageError(`${field} ${JSON.stringify(value)} is not a MAC address like 52:54:00:12:34:56`);
  }
  return value;
}

/** An IPv4 address in dotted form (for hostfwd and socket netdevs). */
export function checkIpv4(field: string, value: string): string {
  const parts = value.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new UsageError(`${field} ${JSON.stringify(value)} is not an IPv4 address like 127.0.0.1`);
  }
  return value;
}
