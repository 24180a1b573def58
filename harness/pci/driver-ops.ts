import { isBdf, type Bdf } from './bdf.ts';
import type { Host } from '../host/host.ts';
import {
  PCI_BUS, SysfsError, assertDeviceExists, devicePath, driverPath, errnoOf, readDriver,
  readIommuGroupId, readOverride, waitForSysfs, writeAttr,
} from './sysfs-write.ts';

/**
 * Single, repeatable driver operations on one PCI function (libvirt virpci style). Each returns
 * early when the device is already where it should be, so restore can run them twice.
 */
export interface DriverOpOptions {
  /** How long to wait for the `driver` link (and /dev/vfio/<group>) to appear. Default 5 s. */
  timeoutMs?: number;
}

export type BindMethod = 'already' | 'driver_override' | 'new_id';

const DEFAULT_TIMEOUT_MS = 5_000;

/** Binds `bdf` to `driver` with driver_override → unbind → drivers_probe; new_id only without driver_override. */
export async function bindWithDriverOverride(
  host: Host,
  bdf: Bdf,
  driver: string,
  options: DriverOpOptions = {},
): Promise<BindMethod> {
  driverPath(driver); // validates the name before anything is written
  await assertDeviceExists(host, bdf);
  const current = await readDriver(host, bdf);
  const override = await readOverride(host, bdf);
  if (current === driver && (override === null || override === driver)) return 'already';
  if (override === null) {
    await bindWithNewId(host, bdf, driver, options);
    return 'new_id';
  }
  await writeAttr(host, bdf, devicePath(bdf, 'driver_override'), `${driver}\n`,
    'This kernel refused driver_override; check dmesg, and that the device is not in use.');
  if (current !== driver) {
    await unbindCurrent(host, bdf);
    await writeAttr(host, bdf, `${PCI_BUS}/drivers_probe`, `${bdf}\n`,
      `Load the driver first (modprobe ${driver}) and check dmesg for why it did not probe.`);
  }
  await confirmDriver(host, bdf, driver, options);
  return 'driver_override';
}

/** Empties driver_override; a no-op where it is already empty or the kernel has none. */
export async function clearOverride(host: Host, bdf: Bdf): Promise<void> {
  const override = await readOverride(host, bdf);
  if (override === null || override === undefined) return;
  await writeAttr(host, bdf, devicePath(bdf, 'driver_override'), '\n',
    'Check dmesg; the device may be gone or busy.');
}

/**
 * Puts `bdf` back as it was: `originalOverride` in driver_override and `originalDriver` bound
 * (or nothing bound). Safe to repeat; a device that no longer exists is reported, not invented.
 */
export async function rebindOriginal(
  host: Host,
  bdf: Bdf,
  originalDriver: string | undefined,
  originalOverride: string | undefined,
  options: DriverOpOptions = {},
): Promise<void> {
  await assertDeviceExists(host, bdf);
  const override = await readOverride(host, bdf);
  if (override !== null && override !== originalOverride) {
    if (originalOverride !== undefined) driverPath(originalOverride);
    const value = originalOverride === undefined ? '\n' : `${originalOverride}\n`;
    await writeAttr(host, bdf, devicePath(bdf, 'driver_override'), value, 'Check dmesg; the device may be busy.');
  }
  const current = await readDriver(host, bdf);
  if (current === originalDriver) return;
  if (current !== undefined) await unbindCurrent(host, bdf);
  if (originalDriver === undefined) return;
  // drivers_probe picks the native driver (or the restored override); if that is not the one the
  // device had, ask the original driver directly through its bind file.
  await writeAttr(host, bdf, `${PCI_BUS}/drivers_probe`, `${bdf}\n`, `Load ${originalDriver} (modprobe) and retry.`);
  if ((await readDriver(host, bdf)) !== originalDriver) {
    if ((await readDriver(host, bdf)) !== undefined) await unbindCurrent(host, bdf);
    await writeAttr(host, bdf, driverPath(originalDriver, 'bind'), `${bdf}\n`,
      `Load ${originalDriver} (modprobe ${originalDriver}) and retry \`passbench restore\`.`);
  }
  await confirmDriver(host, bdf, originalDriver, options);
}

/** Unbinds from whatever driver holds the device; ENODEV means it let go already. */
export async function unbindCurrent(host: Host, bdf: Bdf): Promise<void> {
  if ((await readDriver(host, bdf)) === undefined) return;
  try {
    await writeAttr(host, bdf, devicePath(bdf, 'driver/unbind'), `${bdf}\n`,
      'Stop whatever uses the device (a VM, an interface) and retry.');
  } catch (error) {
    if (errnoOf(error) === 'ENODEV' || errnoOf(error) === 'ENOENT') return;
    throw error;
  }
}

/**
 * The fallback for kernels without driver_override. new_id only attaches devices that are unbound
 * at that moment (LAB-FACTS: kernel 6.12), so unbind first, then new_id, then the driver's bind file.
 */
async function bindWithNewId(host: Host, bdf: Bdf, driver: string, options: DriverOpOptions): Promise<void> {
  const vendor = (await host.readFile(devicePath(bdf, 'vendor'))).trim().replace(/^0x/, '');
  const device = (await host.readFile(devicePath(bdf, 'device'))).trim().replace(/^0x/, '');
  await unbindCurrent(host, bdf);
  // new_id grabs EVERY unbound device with this id; note the others so they can be let go again.
  const bystanders = await unboundDevicesWithId(host, vendor, device, bdf);
  try {
    await writeAttr(host, bdf, driverPath(driver, 'new_id'), `${vendor} ${device}\n`, `Load ${driver} (modprobe ${driver}).`);
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') throw error; // the id was added before: bind below does the work
  }
  for (const other of bystanders) if ((await readDriver(host, other)) === driver) await unbindCurrent(host, other);
  if ((await readDriver(host, bdf)) !== driver) {
    await writeAttr(host, bdf, driverPath(driver, 'bind'), `${bdf}\n`,
      `Check dmesg for why ${driver} did not take ${bdf}.`);
  }
  await confirmDriver(host, bdf, driver, options);
}

async function unboundDevicesWithId(host: Host, vendor: string, device: string, except: Bdf): Promise<Bdf[]> {
  const found: Bdf[] = [];
  for (const name of await host.readDir(`${PCI_BUS}/devices`)) {
    if (name === except || !isBdf(name) || (await readDriver(host, name)) !== undefined) continue;
    const v = (await host.readFile(devicePath(name, 'vendor'))).trim().replace(/^0x/, '');
    const d = (await host.readFile(devicePath(name, 'device'))).trim().replace(/^0x/, '');
    if (v === vendor && d === device) found.push(name);
  }
  return found;
}

/** Waits for the `driver` link to name `driver`; for vfio-pci also for /dev/vfio/<group>. */
async function confirmDriver(host: Host, bdf: Bdf, driver: string, options: DriverOpOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let found: string | undefined;
  await waitForSysfs(
    `${bdf} bound to ${driver}`,
    async () => ((found = await readDriver(host, bdf)) === driver ? true : undefined),
    timeoutMs,
    () => new SysfsError(bdf, devicePath(bdf, 'driver'), `driver ${driver}`, found ?? 'no driver', {
      remedy: `Check \`dmesg\` for ${driver}; load it with \`modprobe ${driver}\`; see \`passbench doctor\`.`,
    }),
  );
  if (driver !== 'vfio-pci') return;
  const group = await readIommuGroupId(host, bdf);
  if (group === undefined) {
    throw new SysfsError(bdf, devicePath(bdf, 'iommu_group'), 'an IOMMU group', 'none (IOMMU off?)', {
      remedy: 'Boot with intel_iommu=on (or amd_iommu=on) iommu=pt; see `passbench doctor`.',
    });
  }
  await waitForSysfs(
    `/dev/vfio/${group} for ${bdf}`,
    async () => ((await host.exists(`/dev/vfio/${group}`)) ? true : undefined),
    timeoutMs,
    () => new SysfsError(bdf, `/dev/vfio/${group}`, 'the VFIO group node', 'it missing', {
      remedy: 'Check that every device of the group is bound to vfio-pci (or has no driver) and dmesg.',
    }),
  );
}
