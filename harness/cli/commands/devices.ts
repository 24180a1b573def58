import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import type { Host } from '../../host/host.ts';
import { LocalHost } from '../../host/local-host.ts';
import { describeReasons } from '../../pci/active-interfaces.ts';
import { type DeviceListing, listDevices } from '../../pci/device-listing.ts';
import { addHostOptions, type HostOptions, openHost } from '../host-option.ts';
import { formatTable, printJson, printLine } from '../output.ts';

interface DevicesOptions extends HostOptions {
  all?: boolean;
  json?: boolean;
  sysfs?: string;
}

export function registerDevicesCommand(program: Command): void {
  const command = program
    .command('devices')
    .description('List PCI devices (network controllers unless --all): driver, IOMMU group, SR-IOV, interfaces in use')
    .option('--all', 'every PCI function, not only network controllers')
    .option('--json', 'machine-readable output')
    .option('--sysfs <root>', 'read a sysfs tree copied below ROOT instead of the host (interfaces are not checked)');
  addHostOptions(command).action(async (options: DevicesOptions) => {
    // Given at all, even empty: `--sysfs "$TREE"` with TREE unset must not read the host instead.
    const sysfs = options.sysfs;
    if (sysfs !== undefined && (options.host !== undefined || options.lab !== undefined)) {
      throw new UsageError('--sysfs reads a copied tree on this machine; it cannot be combined with --host or --lab', {
        remedy: 'Give either --sysfs ROOT or --host NAME, not both.',
      });
    }
    const host: Host = sysfs !== undefined ? new LocalHost({ root: await checkSysfsRoot(sysfs) }) : await openHost(options);
    try {
      const devices = await listDevices(host, { all: options.all, skipActive: sysfs !== undefined });
      if (options.json) printJson(devices);
      else printLine(formatDevices(devices, host.name, Boolean(options.all)));
    } finally {
      await host.close();
    }
  });
}

/** A copied tree has sys/bus/pci/devices below ROOT; without it every listing would be "none". */
async function checkSysfsRoot(root: string): Promise<string> {
  const devices = path.join(root, 'sys', 'bus', 'pci', 'devices');
  const found = await fs.stat(devices).then((s) => s.isDirectory(), () => false);
  if (!found) {
    const why = root.trim() === '' ? 'it is empty' : await fs.stat(root).then((s) => (s.isDirectory() ? `it has no ${devices}` : 'it is not a folder'), () => 'there is no such folder');
    throw new UsageError(`--sysfs ${JSON.stringify(root)}: ${why}`, {
      remedy: 'Give the folder a sysfs tree was copied below (ROOT/sys/bus/pci/devices, ROOT/sys/devices…); leave --sysfs out to read the host itself.',
    });
  }
  return root;
}

export function formatDevices(devices: readonly DeviceListing[], hostName: string, all: boolean): string {
  if (devices.length === 0) {
    return `No ${all ? 'PCI devices' : 'network controllers (class 02xx)'} on ${hostName}.${all ? '' : ' Try --all.'}`;
  }
  const rows = devices.map((d) => [
    d.bdf,
    `${d.vendorId}:${d.deviceId}`,
    deviceName(d),
    d.driver ?? '-',
    d.driverOverride ?? '-',
    d.iommuGroup === undefined ? '-' : `${d.iommuGroup}${d.groupPeers.length ? ` (+${d.groupPeers.join(', ')})` : ''}`,
    d.sriov ? `${d.sriov.numVfs}/${d.sriov.totalVfs}` : d.physfn ? `VF of ${d.physfn}` : '-',
    d.netInterfaces.join(',') || '-',
    !d.activeChecked ? 'not checked' : d.active.length ? `ACTIVE: ${d.active.map((a) => `${a.name} ${describeReasons(a.reasons)}`).join('; ')}` : '-',
  ]);
  const table = formatTable(['ADDRESS', 'ID', 'NAME', 'DRIVER', 'OVERRIDE', 'GROUP', 'SR-IOV', 'IFACES', 'IN USE'], rows);
  const notes: string[] = [];
  if (devices.every((d) => d.iommuGroup === undefined)) {
    notes.push('No device has an IOMMU group: the IOMMU is off or absent (see `passbench doctor`).');
  }
  if (devices.some((d) => d.active.length)) {
    notes.push('ACTIVE devices carry this host\'s traffic; passbench will not take them.');
  }
  return [`PCI ${all ? 'devices' : 'network controllers'} on ${hostName}:`, table, ...notes].join('\n');
}

function deviceName(d: DeviceListing): string {
  const name = [d.vendorName, d.deviceName].filter(Boolean).join(' ');
  const text = name || d.className || `class ${d.classCode}`;
  return text.length > 48 ? `${text.slice(0, 47)}…` : text;
}
