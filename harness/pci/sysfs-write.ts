import path from 'node:path';
import { HostFileError, PassbenchError } from '../errors.ts';
import type { Host } from '../host/host.ts';
import type { Bdf } from './bdf.ts';
import { WaitTimeoutError, waitUntil } from '../wait/index.ts';

/**
 * Sysfs paths, small reads and checked writes shared by driver-ops and sriov-ops.
 * The reads are private stand-ins until harness/pci/inventory lands; they read only what the
 * primitives need to decide and confirm.
 */
export const PCI_BUS = '/sys/bus/pci';

export function devicePath(bdf: Bdf, leaf?: string): string {
  return leaf ? `${PCI_BUS}/devices/${bdf}/${leaf}` : `${PCI_BUS}/devices/${bdf}`;
}

const DRIVER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** A driver name reaches a path, so it is checked like a BDF: no `/`, no `..`. */
export function driverPath(driver: string, leaf?: string): string {
  if (!DRIVER_NAME.test(driver) || driver.includes('..')) {
    throw new PassbenchError(`driver name ${JSON.stringify(driver)} is not a kernel driver name`, {
      remedy: 'Use a name as /sys/bus/pci/drivers lists it, for example vfio-pci.',
    });
  }
  return leaf ? `${PCI_BUS}/drivers/${driver}/${leaf}` : `${PCI_BUS}/drivers/${driver}`;
}

/** A sysfs operation on one device failed: names the device, the file, expected vs found, and a remedy. */
export class SysfsError extends PassbenchError {
  constructor(
    readonly bdf: string,
    readonly path: string,
    readonly expected: string,
    readonly found: string,
    details: { remedy: string; cause?: unknown; code?: string },
  ) {
    super(`${bdf}: ${path}: expected ${expected}, found ${found}`, details);
    this.code = details.code;
  }
  readonly code?: string;
}

export function errnoOf(error: unknown): string | undefined {
  return error instanceof HostFileError ? error.code : (error as NodeJS.ErrnoException | undefined)?.code;
}

/** Writes one sysfs attribute; a rejected write becomes a SysfsError carrying the errno. */
export async function writeAttr(
  host: Host,
  bdf: Bdf,
  file: string,
  value: string,
  remedy: string,
): Promise<void> {
  try {
    await host.writeFile(file, value);
  } catch (error) {
    if (!(error instanceof HostFileError)) throw error;
    const code = errnoOf(error);
    throw new SysfsError(bdf, file, `the kernel to accept ${JSON.stringify(value.trim())}`, `write refused (${code ?? error.message})`, {
      remedy,
      cause: error,
      code,
    });
  }
}

export async function assertDeviceExists(host: Host, bdf: Bdf): Promise<void> {
  if (!(await host.exists(devicePath(bdf)))) {
    throw new SysfsError(bdf, devicePath(bdf), 'a PCI device', 'nothing at that address', {
      remedy: 'Check the address with `passbench devices` or `lspci -D` on that host.',
    });
  }
}

/** The bound driver from the `driver` link; undefined when unbound. */
export async function readDriver(host: Host, bdf: Bdf): Promise<string | undefined> {
  const link = devicePath(bdf, 'driver');
  if (!(await host.stat(link))) return undefined;
  return path.posix.basename(await host.readLink(link));
}

/** `null` when the kernel has no driver_override (very old kernels); undefined when empty. */
export async function readOverride(host: Host, bdf: Bdf): Promise<string | undefined | null> {
  const file = devicePath(bdf, 'driver_override');
  if (!(await host.exists(file))) return null;
  const text = (await host.readFile(file)).trim();
  return text === '' || text === '(null)' ? undefined : text;
}

export async function readIommuGroupId(host: Host, bdf: Bdf): Promise<number | undefined> {
  const link = devicePath(bdf, 'iommu_group');
  if (!(await host.stat(link))) return undefined;
  return Number(path.posix.basename(await host.readLink(link)));
}

export async function readIntAttr(host: Host, bdf: Bdf, leaf: string): Promise<number | undefined> {
  const file = devicePath(bdf, leaf);
  if (!(await host.exists(file))) return undefined;
  return Number.parseInt((await host.readFile(file)).trim(), 10);
}

/**
 * Polls `check` (every 50 ms: sysfs answers in microseconds) until it returns a value; at the
 * deadline throws the SysfsError `onTimeout` builds, with the wait's figures as its cause.
 */
export async function waitForSysfs<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  onTimeout: () => SysfsError,
): Promise<T> {
  try {
    return await waitUntil(what, check, { deadline: timeoutMs, intervalMs: 50 });
  } catch (error) {
    if (!(error instanceof WaitTimeoutError)) throw error;
    const sysfs = onTimeout();
    throw new SysfsError(sysfs.bdf, sysfs.path, sysfs.expected, sysfs.found, { remedy: sysfs.remedy!, code: sysfs.code, cause: error });
  }
}
