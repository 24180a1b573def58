/**
 * What a run records about the NIC it tests, read before anything is bound (the host driver's
 * interface is gone once vfio-pci has the device): model, driver, driver version, firmware, link
 * speed and MTU. Driver, version and firmware come from `ethtool -i` (the driver's own answer; an
 * in-tree driver reports the kernel's release as its version); without ethtool, or for a device
 * with no interface, from sysfs: /sys/module/<driver>/version, else the kernel's release, and the
 * firmware is unknown.
 */
import type { Host } from '../host/host.ts';
import type { Bdf } from './bdf.ts';
import { readPciDevice } from './inventory.ts';
import { readOptional } from './sysfs-read.ts';

export interface NicProvenance {
  bdf: Bdf;
  /** pci.ids' name, or the vendor:device pair when the host has no pci.ids. */
  model: string;
  vendorDevice: string;
  /** The bound driver ("none" when unbound). */
  driver: string;
  driverVersion: string;
  firmware: string;
  /** The host interface, when the device has one. */
  iface?: string;
  /** Mbit/s, when the link is up and the driver knows it. */
  linkSpeedMbps?: number;
  mtu?: number;
}

const UNKNOWN_FIRMWARE = 'unknown';

/** A kernel interface name (IFNAMSIZ 16, so at most 15 characters), safe in a path and an argv. */
const INTERFACE_NAME = /^[A-Za-z0-9_.@:-]{1,15}$/;
const MODULE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export async function readNicProvenance(host: Host, bdf: Bdf): Promise<NicProvenance> {
  const device = await readPciDevice(host, bdf);
  const vendorDevice = `${device.vendorId}:${device.deviceId}`;
  const iface = device.netInterfaces.find((name) => INTERFACE_NAME.test(name));
  const driver = device.driver ?? 'none';
  // Asked at once (each is a round trip over SSH); the kernel's release is only the last fallback.
  const [ethtool, moduleVersion, release, speed, mtu] = await Promise.all([
    iface === undefined ? undefined : ethtoolInfo(host, iface),
    MODULE_NAME.test(driver) ? readOptional(host, `/sys/module/${driver}/version`) : undefined,
    readOptional(host, '/proc/sys/kernel/osrelease'),
    // speed reads -1 (or fails with EINVAL) while the link is down.
    iface === undefined ? undefined : readOptional(host, `/sys/class/net/${iface}/speed`).catch(() => undefined),
    iface === undefined ? undefined : readOptional(host, `/sys/class/net/${iface}/mtu`),
  ]);
  const positive = (text: string | undefined) => {
    const n = Number(text);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  };
  return {
    bdf,
    model: device.deviceName ?? vendorDevice,
    vendorDevice,
    driver,
    driverVersion: ethtool?.version || moduleVersion || release || 'unknown',
    firmware: ethtool?.firmware || UNKNOWN_FIRMWARE,
    ...(iface === undefined ? {} : { iface, linkSpeedMbps: positive(speed), mtu: positive(mtu) }),
  };
}

/** `ethtool -i IFACE`'s version and firmware-version; undefined when ethtool is missing or fails. */
async function ethtoolInfo(host: Host, iface: string): Promise<{ version?: string; firmware?: string } | undefined> {
  const r = await host.run(['ethtool', '-i', iface], { allowFailure: true, timeoutMs: 15_000 }).catch(() => undefined);
  if (r === undefined || r.exitCode !== 0) return undefined;
  return parseEthtoolInfo(r.stdout);
}

/** The fields of `ethtool -i` output ("firmware-version: N/A" and empty values count as absent). */
export function parseEthtoolInfo(text: string): { version?: string; firmware?: string } {
  const field = (name: string) => {
    const value = new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(text)?.[1]?.trim();
    return value && value !== 'N/A' ? value : undefined;
  };
  return { version: field('version'), firmware: field('firmware-version') };
}
