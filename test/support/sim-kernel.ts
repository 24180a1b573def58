import fs from 'node:fs/promises';
import path from 'node:path';
import { HostFileError } from '../../harness/errors.ts';
import type { FileStat, Host, HostProcess, RunOptions, RunResult } from '../../harness/host/host.ts';
import { LocalHost } from '../../harness/host/local-host.ts';
import { ipRunner } from './ip-answers.ts';
import { buildSysfsTree, type SysfsTree, type TreeDevice } from './sysfs-tree.ts';

/**
 * A Host that behaves like the kernel's PCI sysfs on writes (libvirt's virpcimock, in TypeScript).
 * Files live in a SysfsTree (test/support/sysfs-tree.ts, the kernel's layout with relative links),
 * read through a LocalHost rooted there; writes to driver_override, unbind, bind, new_id,
 * drivers_probe and sriov_numvfs change that tree the way the kernel would, with the kernel's errno
 * codes. The state is the tree itself (plus new_id tables), so a second SimKernel over the same tree
 * sees what a crashed first one left.
 */
export interface SimTreeSpec {
  devices: TreeDevice[];
  drivers: string[];
}

/** Writes the tree (plus /dev/vfio/vfio) below a new temp folder. */
export async function buildSimTree(spec: SimTreeSpec): Promise<SysfsTree> {
  const tree = await buildSysfsTree(spec);
  await tree.writeFile('/dev/vfio/vfio', '');
  return tree;
}

export type SimErrno = 'EINVAL' | 'EBUSY' | 'ENODEV' | 'ENOENT' | 'EEXIST' | 'ERANGE' | 'EIO';

/** Per-driver (or per-device) failure injection. */
export interface SimFailure {
  op: 'bind' | 'probe' | 'unbind' | 'numvfs' | 'override';
  driver?: string;
  bdf?: string;
  /** For `probe` the kernel swallows the error (device stays unbound); others fail the write. */
  code: SimErrno;
}

export interface SimKernelOptions {
  tree: SysfsTree;
  /** What sriov_numvfs creates on each PF: the VF device id and the VF addresses in virtfn order. */
  sriovPlan?: Record<string, { vfDevice: string; vfAddresses: string[]; vfInterfaces?: string[] }>;
  /** Native drivers by `vvvv:dddd` (what drivers_probe picks without an override). */
  idTable: Record<string, string>;
  failures?: SimFailure[];
  /** The process "dies" (SimulatedCrash) on this 1-based sysfs write, before it takes effect. */
  crashOnWrite?: number;
  /** Answers `run`; without it, running anything throws (tests never run commands on this machine). */
  run?: (argv: readonly string[]) => RunResult | Promise<RunResult>;
}

export class SimulatedCrash extends Error {}

export class SimKernel implements Host {
  readonly name = 'sim-kernel';
  readonly writes: { path: string; value: string }[] = [];
  private readonly files: LocalHost;
  private sysfsWrites = 0;
  private dead = false;
  /** new_id tables: driver → ids. Kept in memory like the kernel's (lost on "reboot"). */
  private readonly dynamicIds = new Map<string, Set<string>>();

  constructor(private readonly options: SimKernelOptions) {
    this.files = new LocalHost({ root: options.tree.root });
  }

  // ---- Host: reads delegate to the tree --------------------------------------------------------
  async run(argv: readonly string[], _options?: RunOptions): Promise<RunResult> {
    const vfMac = /^ip link set dev (\S+) vf (\d+) mac (\S+)$/.exec(argv.join(' '));
    if (vfMac) return this.setVfMac(argv, vfMac[1]!, Number(vfMac[2]), vfMac[3]!);
    if (!this.options.run) throw new Error(`sim-kernel: no command runner given for ${JSON.stringify(argv)}`);
    return this.options.run(argv);
  }

  /** VF MACs set through their PF (`ip link set dev PF vf N mac M`), by VF BDF: gone with the VFs. */
  readonly vfMacs = new Map<string, string>();

  /** As the kernel: the interface must be a PF's, and VF N must exist. */
  private async setVfMac(argv: readonly string[], iface: string, index: number, mac: string): Promise<RunResult> {
    const answer = (exitCode: number, stderr = '') => ({ argv, exitCode, stdout: '', stderr, durationMs: 0 });
    for (const pf of await this.files.readDir('/sys/bus/pci/devices')) {
      const nets = await this.files.readDir(`/sys/bus/pci/devices/${pf}/net`).catch(() => [] as string[]);
      if (!nets.includes(iface)) continue;
      const vf = (await this.vfsOf(pf))[index];
      if (vf === undefined) return answer(2, 'RTNETLINK answers: Invalid argument');
      this.vfMacs.set(vf, mac);
      return answer(0);
    }
    return answer(1, `Cannot find device "${iface}"`);
  }
  async spawn(argv: readonly string[]): Promise<HostProcess> {
    throw new Error(`sim-kernel: spawn not simulated (${argv.join(' ')})`);
  }
  readFile(p: string): Promise<string> { return this.files.readFile(p); }
  readLink(p: string): Promise<string> { return this.files.readLink(p); }
  realPath(p: string): Promise<string> { return this.files.realPath(p); }
  readDir(p: string): Promise<string[]> { return this.files.readDir(p); }
  stat(p: string): Promise<FileStat | undefined> { return this.files.stat(p); }
  exists(p: string): Promise<boolean> { return this.files.exists(p); }
  async mkdir(p: string, o?: { mode?: number }): Promise<void> { this.checkAlive(); return this.files.mkdir(p, o); }
  async remove(p: string): Promise<void> { this.checkAlive(); return this.files.remove(p); }
  async rename(a: string, b: string): Promise<void> { this.checkAlive(); return this.files.rename(a, b); }
  async replaceFile(p: string, d: string, o: { mode: number }): Promise<void> { this.checkAlive(); return this.files.replaceFile(p, d, o); }

  /** After a simulated crash the "process" is gone: nothing it tries reaches the host any more. */
  private checkAlive(): void {
    if (this.dead) throw new SimulatedCrash('the process crashed earlier (simulated); nothing more is written');
  }
  async close(): Promise<void> {}

  async writeFile(file: string, data: string, options?: { mode?: number }): Promise<void> {
    this.checkAlive();
    // A device's real folder and its /sys/bus/pci/devices link are the same attribute files.
    const p = path.posix.normalize(file).replace(/^\/sys\/devices\/pci[0-9a-f]{4}:00\/([^/]+)\//, '/sys/bus/pci/devices/$1/');
    if (!p.startsWith('/sys/')) return this.files.writeFile(p, data, options);
    this.sysfsWrites += 1;
    if (this.options.crashOnWrite === this.sysfsWrites) {
      this.dead = true;
      throw new SimulatedCrash(`simulated crash on sysfs write ${this.sysfsWrites} (${p})`);
    }
    this.writes.push({ path: p, value: data });
    await this.kernelWrite(p, data.trim());
  }

  // ---- the kernel's side of each attribute ---------------------------------------------------
  private async kernelWrite(p: string, value: string): Promise<void> {
    let m: RegExpExecArray | null;
    if (p === '/sys/bus/pci/drivers_probe') return this.driversProbe(p, value);
    if ((m = /^\/sys\/bus\/pci\/devices\/([^/]+)\/driver_override$/.exec(p))) return this.setOverride(p, m[1]!, value);
    if ((m = /^\/sys\/bus\/pci\/devices\/([^/]+)\/driver\/unbind$/.exec(p))) {
      const drv = await this.driverOf(m[1]!);
      if (!drv) this.fail(p, 'ENOENT');
      return this.unbindFile(p, drv!, value);
    }
    if ((m = /^\/sys\/bus\/pci\/drivers\/([^/]+)\/(bind|unbind|new_id|remove_id)$/.exec(p))) {
      const [, drv, op] = m as unknown as [string, string, string];
      if (!(await this.files.exists(`/sys/bus/pci/drivers/${drv}`))) this.fail(p, 'ENOENT');
      if (op === 'unbind') return this.unbindFile(p, drv, value);
      if (op === 'bind') return this.bindFile(p, drv, value);
      if (op === 'new_id') return this.newId(p, drv, value);
      return this.removeId(p, drv, value);
    }
    if ((m = /^\/sys\/bus\/pci\/devices\/([^/]+)\/sriov_numvfs$/.exec(p))) return this.setNumVfs(p, m[1]!, value);
    if (!(await this.files.exists(p))) this.fail(p, 'ENOENT');
    this.fail(p, 'EINVAL'); // read-only attribute
  }

  private async setOverride(p: string, bdf: string, value: string): Promise<void> {
    if (!(await this.files.exists(p))) this.fail(p, 'ENOENT');
    this.injected(p, 'override', undefined, bdf);
    await this.options.tree.setOverride(bdf, value === '' ? undefined : value);
  }

  private async unbindFile(p: string, drv: string, value: string): Promise<void> {
    if (!(await this.deviceExists(value)) || (await this.driverOf(value)) !== drv) this.fail(p, 'ENODEV');
    this.injected(p, 'unbind', drv, value);
    await this.detach(value);
  }

  private async bindFile(p: string, drv: string, value: string): Promise<void> {
    if (!(await this.deviceExists(value))) this.fail(p, 'ENODEV');
    if (!(await this.matches(drv, value))) this.fail(p, 'ENODEV');
    if (await this.driverOf(value)) this.fail(p, 'EBUSY');
    this.injected(p, 'bind', drv, value);
    if (!this.probeFails(drv, value)) await this.attach(value, drv);
  }

  private async newId(p: string, drv: string, value: string): Promise<void> {
    const m = /^([0-9a-f]{4}) ([0-9a-f]{4})$/.exec(value);
    if (!m) this.fail(p, 'EINVAL');
    const id = `${m![1]}:${m![2]}`;
    const ids = this.dynamicIds.get(drv) ?? new Set<string>();
    if (ids.has(id)) this.fail(p, 'EEXIST');
    ids.add(id);
    this.dynamicIds.set(drv, ids);
    // Like driver_attach(): only devices unbound at this moment are taken (the 6.12 surprise).
    for (const bdf of await this.files.readDir('/sys/bus/pci/devices')) {
      if (!(await this.driverOf(bdf)) && (await this.matches(drv, bdf)) && !this.probeFails(drv, bdf)) await this.attach(bdf, drv);
    }
  }

  private async removeId(p: string, drv: string, value: string): Promise<void> {
    const id = value.replace(' ', ':');
    if (!this.dynamicIds.get(drv)?.delete(id)) this.fail(p, 'ENODEV');
  }

  private async driversProbe(p: string, bdf: string): Promise<void> {
    if (!(await this.deviceExists(bdf))) this.fail(p, 'ENODEV');
    if (await this.driverOf(bdf)) return;
    const drv = await this.chooseDriver(bdf);
    if (drv && !this.probeFails(drv, bdf)) await this.attach(bdf, drv);
  }

  private async setNumVfs(p: string, pf: string, value: string): Promise<void> {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n > 0xffff) this.fail(p, 'EINVAL');
    const total = Number((await this.files.readFile(`/sys/bus/pci/devices/${pf}/sriov_totalvfs`)).trim());
    if (n > total) this.fail(p, 'ERANGE'); // what the kernel answers above sriov_totalvfs
    const current = Number((await this.files.readFile(p)).trim());
    if (n === current) return;
    if (!(await this.driverOf(pf))) this.fail(p, 'ENOENT'); // "no driver bound to device"
    if (current !== 0 && n !== 0) this.fail(p, 'EBUSY');
    this.injected(p, 'numvfs', await this.driverOf(pf), pf);
    if (n === 0) return this.removeVfs(pf);
    const plan = this.options.sriovPlan?.[pf];
    if (!plan) throw new Error(`sim-kernel: no sriovPlan for ${pf}`);
    const vendor = (await this.files.readFile(`/sys/bus/pci/devices/${pf}/vendor`)).trim().replace(/^0x/, '');
    const vfs = plan.vfAddresses.slice(0, n);
    for (const [i, vf] of vfs.entries()) {
      const group = (await this.files.readDir('/sys/kernel/iommu_groups')).map(Number).reduce((a, b) => Math.max(a, b), -1) + 1;
      const net = plan.vfInterfaces?.[i];
      await this.options.tree.addDevice({ bdf: vf, vendor, device: plan.vfDevice, iommuGroup: group, ...(net ? { net: [net] } : {}) });
    }
    await this.options.tree.setVfs(pf, total, vfs);
    for (const vf of vfs) await this.driversProbe(p, vf); // sriov_drivers_autoprobe
  }

  private async removeVfs(pf: string): Promise<void> {
    const tree = this.options.tree;
    const total = Number((await this.files.readFile(`/sys/bus/pci/devices/${pf}/sriov_totalvfs`)).trim());
    for (const vf of await this.vfsOf(pf)) {
      this.vfMacs.delete(vf);
      if (await this.driverOf(vf)) await this.detach(vf);
      const group = await this.groupOf(vf);
      await fs.rm(tree.at(`/sys/kernel/iommu_groups/${group}`), { recursive: true, force: true });
      await fs.rm(tree.at(tree.devicePath(vf)), { recursive: true, force: true });
      await fs.rm(tree.at(`/sys/bus/pci/devices/${vf}`), { force: true });
    }
    await tree.setVfs(pf, total, []);
  }

  private async vfsOf(pf: string): Promise<string[]> {
    const dir = `/sys/bus/pci/devices/${pf}`;
    const vfs: string[] = [];
    for (const entry of await this.files.readDir(dir)) {
      if (/^virtfn\d+$/.test(entry)) vfs.push(path.posix.basename(await this.files.readLink(`${dir}/${entry}`)));
    }
    return vfs;
  }

  // ---- tree helpers (public for buildSimTree) -----------------------------------------------
  private async attach(bdf: string, drv: string): Promise<void> {
    await this.options.tree.bindDriver(bdf, drv);
    if (drv === 'vfio-pci') await this.options.tree.writeFile(`/dev/vfio/${await this.groupOf(bdf)}`, '');
  }

  private async detach(bdf: string): Promise<void> {
    const drv = await this.driverOf(bdf);
    if (!drv) return;
    // Unbinding a PF driver disables SR-IOV, as igb/ixgbe do on remove.
    if (await this.files.exists(`/sys/bus/pci/devices/${bdf}/sriov_numvfs`)) await this.removeVfs(bdf);
    // The netdev goes with its driver and comes back down on the next bind: its flags lose IFF_UP.
    for (const name of await this.files.readDir(`/sys/bus/pci/devices/${bdf}/net`).catch(() => [] as string[])) {
      const flags = `/sys/bus/pci/devices/${bdf}/net/${name}/flags`;
      if (await this.files.exists(flags)) await this.files.writeFile(flags, `0x${(Number.parseInt(await this.files.readFile(flags), 16) & ~1).toString(16)}\n`);
    }
    await this.options.tree.unbindDriver(bdf);
    if (drv !== 'vfio-pci') return;
    const group = await this.groupOf(bdf);
    for (const member of await this.files.readDir(`/sys/kernel/iommu_groups/${group}/devices`)) {
      if ((await this.driverOf(member)) === 'vfio-pci') return;
    }
    await fs.rm(this.options.tree.at(`/dev/vfio/${group}`), { force: true });
  }

  private async chooseDriver(bdf: string): Promise<string | undefined> {
    const override = await this.overrideOf(bdf);
    if (override) return (await this.files.exists(`/sys/bus/pci/drivers/${override}`)) ? override : undefined;
    const id = await this.idOf(bdf);
    for (const [drv, ids] of this.dynamicIds) if (ids.has(id)) return drv;
    return this.options.idTable[id];
  }

  private async matches(drv: string, bdf: string): Promise<boolean> {
    const override = await this.overrideOf(bdf);
    if (override) return override === drv;
    const id = await this.idOf(bdf);
    return this.options.idTable[id] === drv || (this.dynamicIds.get(drv)?.has(id) ?? false);
  }

  private async idOf(bdf: string): Promise<string> {
    const dir = `/sys/bus/pci/devices/${bdf}`;
    const v = (await this.files.readFile(`${dir}/vendor`)).trim().replace(/^0x/, '');
    const d = (await this.files.readFile(`${dir}/device`)).trim().replace(/^0x/, '');
    return `${v}:${d}`;
  }

  private async overrideOf(bdf: string): Promise<string | undefined> {
    const file = `/sys/bus/pci/devices/${bdf}/driver_override`;
    if (!(await this.files.exists(file))) return undefined;
    const text = (await this.files.readFile(file)).trim();
    return text === '(null)' || text === '' ? undefined : text;
  }

  private async driverOf(bdf: string): Promise<string | undefined> {
    const link = `/sys/bus/pci/devices/${bdf}/driver`;
    return (await this.files.stat(link)) ? path.posix.basename(await this.files.readLink(link)) : undefined;
  }

  private async groupOf(bdf: string): Promise<string> {
    return path.posix.basename(await this.files.readLink(`/sys/bus/pci/devices/${bdf}/iommu_group`));
  }

  private async deviceExists(bdf: string): Promise<boolean> {
    return /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(bdf) && this.files.exists(`/sys/bus/pci/devices/${bdf}`);
  }

  private probeFails(drv: string, bdf: string): boolean {
    return (this.options.failures ?? []).some((f) => f.op === 'probe' && (f.driver ?? drv) === drv && (f.bdf ?? bdf) === bdf);
  }

  private injected(p: string, op: SimFailure['op'], drv: string | undefined, bdf: string): void {
    const hit = (this.options.failures ?? []).find((f) => f.op === op && (!f.driver || f.driver === drv) && (!f.bdf || f.bdf === bdf));
    if (hit) this.fail(p, hit.code);
  }

  private fail(p: string, code: SimErrno): never {
    const cause = Object.assign(new Error(`${code} (simulated kernel)`), { code });
    throw new HostFileError(this.name, p, 'write', { cause, code });
  }
}

// ---- a small lab, as LAB-FACTS describes the emulated lab host ------------------------------
export const LAB_ID_TABLE: Record<string, string> = {
  '8086:10c9': 'igb', '8086:10ca': 'igbvf', '8086:100e': 'e1000', '8086:10d3': 'e1000e',
  '8086:2918': 'lpc_ich', '8086:2922': 'ahci', '8086:2930': 'i801_smbus', '8086:29c9': 'pcieport',
  '1234:1111': 'bochs-drm', '8086:1e31': 'xhci_hcd', '8086:f1a5': 'nvme',
};

export const LAB = {
  pf: '0000:00:02.0', nicActive: '0000:00:03.0', nicSpare: '0000:00:04.0',
  lpc: '0000:00:1f.0', sata: '0000:00:1f.2', smbus: '0000:00:1f.3',
  bridge: '0000:00:01.0', behindBridge: '0000:01:00.0',
} as const;

const VF_ADDRESSES = ['0000:00:12.0', '0000:00:12.2', '0000:00:12.4', '0000:00:12.6', '0000:00:13.0', '0000:00:13.2', '0000:00:13.4'];

export function labTreeSpec(overrides: { noOverride?: boolean } = {}): SimTreeSpec {
  const noOverride = overrides.noOverride;
  return {
    drivers: ['igb', 'igbvf', 'e1000', 'e1000e', 'vfio-pci', 'lpc_ich', 'ahci', 'i801_smbus', 'pcieport'],
    devices: [
      { bdf: LAB.pf, vendor: '8086', device: '10c9', driver: 'igb', iommuGroup: 1, net: ['eth1'], noOverride, sriov: { totalVfs: 7 } },
      { bdf: LAB.nicActive, vendor: '8086', device: '100e', driver: 'e1000', iommuGroup: 2, net: ['eth0'], noOverride },
      { bdf: LAB.nicSpare, vendor: '8086', device: '100e', driver: 'e1000', iommuGroup: 3, net: ['eth2'], noOverride },
      { bdf: LAB.lpc, vendor: '8086', device: '2918', classCode: '060100', driver: 'lpc_ich', iommuGroup: 4 },
      { bdf: LAB.sata, vendor: '8086', device: '2922', classCode: '010601', driver: 'ahci', iommuGroup: 4 },
      { bdf: LAB.smbus, vendor: '8086', device: '2930', classCode: '0c0500', iommuGroup: 4 },
      { bdf: LAB.bridge, vendor: '8086', device: '29c9', classCode: '060400', driver: 'pcieport', iommuGroup: 5 },
      { bdf: LAB.behindBridge, vendor: '8086', device: '10d3', driver: 'e1000e', iommuGroup: 5, net: ['eth3'] },
    ],
  };
}

export interface DeviceState { driver?: string; override?: string; numVfs?: number }

/** Drivers, overrides and numvfs of every device, and the VFIO nodes: the before/after to deepEqual. */
export async function snapshot(root: string): Promise<{ devices: Record<string, DeviceState>; vfio: string[] }> {
  const files = new LocalHost({ root });
  const devices: Record<string, DeviceState> = {};
  for (const bdf of await files.readDir('/sys/bus/pci/devices')) {
    const dir = `/sys/bus/pci/devices/${bdf}`;
    const state: DeviceState = {};
    if (await files.stat(`${dir}/driver`)) state.driver = path.posix.basename(await files.readLink(`${dir}/driver`));
    if (await files.exists(`${dir}/driver_override`)) {
      const o = (await files.readFile(`${dir}/driver_override`)).trim();
      if (o !== '(null)') state.override = o;
    }
    if (await files.exists(`${dir}/sriov_numvfs`)) state.numVfs = Number((await files.readFile(`${dir}/sriov_numvfs`)).trim());
    devices[bdf] = state;
  }
  return { devices, vfio: await files.readDir('/dev/vfio') };
}

/** The devices the host-use lab adds: a console display, a USB controller, an NVMe disk, a NIC sharing group 3. */
export const HOST_USE = {
  gpu: '0000:00:06.0', usb: '0000:00:07.0', nvme: '0000:00:08.0', nicPeer: '0000:00:05.0',
} as const;

/**
 * What a lab host itself uses, on top of labTreeSpec (opt-in: the plain lab has no mounts):
 * root on LVM (dm-0 "vg-root") over sda2, /boot on sda1, both on the SATA controller 00:1f.2 (so
 * the ICH group 4 holds the root filesystem, as on the reviewed host); swap on nvme0n1p1;
 * a display controller with boot_vga=1 and the console's fb0; a USB controller with a keyboard;
 * and a second NIC in another slot of the spare NIC's group 3 (a member nobody named).
 */
export async function addHostUse(tree: SysfsTree): Promise<void> {
  for (const driver of ['bochs-drm', 'xhci_hcd', 'nvme']) await tree.addDriver(driver);
  await tree.addDevice({ bdf: HOST_USE.gpu, vendor: '1234', device: '1111', classCode: '030000', driver: 'bochs-drm', iommuGroup: 6, bootVga: true });
  await tree.addDevice({ bdf: HOST_USE.usb, vendor: '8086', device: '1e31', classCode: '0c0330', driver: 'xhci_hcd', iommuGroup: 7 });
  await tree.addDevice({ bdf: HOST_USE.nvme, vendor: '8086', device: 'f1a5', classCode: '010802', driver: 'nvme', iommuGroup: 8 });
  await tree.addDevice({ bdf: HOST_USE.nicPeer, vendor: '8086', device: '100e', driver: 'e1000', iommuGroup: 3, net: ['eth4'] });
  await tree.addBlockDevice({ name: 'sda', dev: '8:0', bdf: LAB.sata, partitions: [{ name: 'sda1', dev: '8:1' }, { name: 'sda2', dev: '8:2' }] });
  await tree.addBlockDevice({ name: 'dm-0', dev: '253:0', slaves: ['sda2'] });
  await tree.symlink('/dev/mapper/vg-root', '../dm-0');
  await tree.addBlockDevice({ name: 'nvme0n1', dev: '259:0', bdf: HOST_USE.nvme, partitions: [{ name: 'nvme0n1p1', dev: '259:1' }] });
  await tree.writeFile('/proc/self/mountinfo', [
    '22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/mapper/vg-root rw',
    '23 22 0:21 / /proc rw,nosuid shared:12 - proc proc rw',
    '24 22 8:1 / /boot rw,relatime shared:2 - ext4 /dev/sda1 rw',
    '',
  ].join('\n'));
  await tree.writeFile('/proc/swaps', 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/nvme0n1p1                          partition\t2097148\t\t0\t\t-2\n');
  await tree.setFramebuffer(HOST_USE.gpu);
  await tree.addInputDevice('input3', HOST_USE.usb, 'Logitech USB Keyboard');
}

/**
 * The lab's network when a test says nothing about it: its interfaces up, no route, no address, no
 * SSH session (what `ip -j` says on an idle host). Any other command still throws.
 */
const idleNetwork = (argv: readonly string[]): RunResult => {
  const answer = ipRunner({ links: ['lo', 'eth0', 'eth1', 'eth2', 'eth3', 'eth4'].map((ifname) => ({ ifname })) })(argv);
  if (answer.exitCode !== 0) throw new Error(`sim-kernel: no command runner given for ${JSON.stringify(argv)}`);
  return answer;
};

/** A test's own runner, with the idle network for the `ip` questions it does not answer itself. */
function withIdleNetwork(run: SimKernelOptions['run']): SimKernelOptions['run'] {
  if (!run) return idleNetwork;
  return async (argv) => {
    try {
      return await run(argv);
    } catch (error) {
      const answer = ipRunner({})(argv);
      if (answer.exitCode !== 0) throw error;
      return idleNetwork(argv);
    }
  };
}

/** A lab tree and a sim over it; `reopen` is a fresh process (after a crash) over the same tree. */
export async function makeLab(options: Partial<Omit<SimKernelOptions, 'tree' | 'idTable'>> & { noOverride?: boolean; hostUse?: boolean; vfInterfaces?: string[] } = {}) {
  const tree = await buildSimTree(labTreeSpec({ noOverride: options.noOverride }));
  if (options.hostUse) await addHostUse(tree);
  const base = { tree, idTable: LAB_ID_TABLE, sriovPlan: { [LAB.pf]: { vfDevice: '10ca', vfAddresses: VF_ADDRESSES, vfInterfaces: options.vfInterfaces } }, run: idleNetwork };
  const sim = new SimKernel({ ...base, ...options, run: withIdleNetwork(options.run) });
  return { root: tree.root, tree, sim, reopen: (o: Partial<SimKernelOptions> = {}) => new SimKernel({ ...base, ...o, run: withIdleNetwork(o.run) }) };
}

/**
 * For a describe block: a `lab()` factory whose simulated trees are removed after the block.
 * Call it inside `describe`.
 */
export function useSimLabs(): (options?: Parameters<typeof makeLab>[0]) => ReturnType<typeof makeLab> {
  const roots: string[] = [];
  after(async () => { for (const r of roots) await fs.rm(r, { recursive: true, force: true }); });
  return async (options = {}) => {
    const l = await makeLab(options);
    roots.push(l.root);
    return l;
  };
}
