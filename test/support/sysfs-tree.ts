import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalHost } from '../../harness/host/local-host.ts';

/**
 * Builds a small PCI sysfs tree in a temp folder, laid out the way the kernel lays it out, so the
 * read side (harness/pci/inventory) can be tested without hardware and a kernel simulation
 * (bind/unbind, numvfs) can be layered on top of it.
 *
 * Layout (paths relative to the tree's root; every link is relative, like the kernel's):
 *
 *   sys/devices/pci<DDDD>:00/<bdf>/            the device's real folder (one flat host bridge per domain)
 *     vendor device class subsystem_vendor subsystem_device revision   `0x8086\n` style
 *     driver_override                          `(null)\n` when none (omitted with `noOverride`)
 *     driver -> ../../../bus/pci/drivers/<name>
 *     iommu_group -> ../../../kernel/iommu_groups/<N>
 *     sriov_totalvfs sriov_numvfs virtfn<i> -> ../<vf bdf>      (on a PF)
 *     physfn -> ../<pf bdf>                                      (on a VF)
 *     net/<ifname>/                            one folder per interface
 *   sys/bus/pci/devices/<bdf> -> ../../../devices/pci<DDDD>:00/<bdf>
 *   sys/bus/pci/drivers/<name>/{bind,unbind,new_id,remove_id}
 *   sys/bus/pci/drivers/<name>/<bdf> -> ../../../../devices/pci<DDDD>:00/<bdf>
 *   sys/kernel/iommu_groups/<N>/devices/<bdf> -> ../../../../devices/pci<DDDD>:00/<bdf>
 *
 * Every mutator is safe to call again (links are replaced), so a simulation can use them as its
 * primitive "the kernel did this" steps.
 */
export interface TreeDevice {
  /** Canonical `DDDD:BB:DD.F`. */
  bdf: string;
  /** Four hex digits, without 0x. */
  vendor: string;
  device: string;
  /** Six hex digits without 0x; default `020000` (Ethernet). `060400` is a PCI-to-PCI bridge. */
  classCode?: string;
  subsystemVendor?: string;
  subsystemDevice?: string;
  /** Two hex digits; default `01`. */
  revision?: string;
  /** Bound driver; the driver folder is created when missing. */
  driver?: string;
  /** Contents of driver_override; undefined writes `(null)`. */
  driverOverride?: string;
  /** A kernel without driver_override (the file is not created). */
  noOverride?: boolean;
  /** IOMMU group number; undefined = IOMMU off for this device (no link). */
  iommuGroup?: number;
  /** Interface names under net/. */
  net?: string[];
  /** Makes this device a PF; `vfs` must be devices of the same tree (added before or after). */
  sriov?: { totalVfs: number; vfs?: string[] };
  /** A display controller's boot_vga (1: the firmware's console display). */
  bootVga?: boolean;
}

export interface TreeSpec {
  devices: TreeDevice[];
  /** Drivers that exist with no device bound (vfio-pci, for instance). */
  drivers?: string[];
}

export class SysfsTree {
  /** The temp folder; `/sys/...` is at `<root>/sys/...`. */
  readonly root: string;

  private constructor(root: string) {
    this.root = root;
  }

  /** An empty tree (sys/bus/pci/{devices,drivers}, sys/kernel/iommu_groups) in a new temp folder. */
  static async create(): Promise<SysfsTree> {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-sysfs-'));
    const tree = new SysfsTree(root);
    for (const dir of ['sys/bus/pci/devices', 'sys/bus/pci/drivers', 'sys/kernel/iommu_groups']) {
      await fs.mkdir(tree.at(dir), { recursive: true });
    }
    await fs.writeFile(tree.at('sys/bus/pci/drivers_probe'), '');
    return tree;
  }

  /** A Host that reads this tree as if it were `/` (commands still run on this machine). */
  host(): LocalHost {
    return new LocalHost({ root: this.root });
  }

  /** The tree path of a device's real folder, absolute in tree terms: `/sys/devices/pci0000:00/<bdf>`. */
  devicePath(bdf: string): string {
    return `/sys/devices/pci${bdf.slice(0, 4)}:00/${bdf}`;
  }

  async addDriver(name: string): Promise<void> {
    const dir = this.at(`sys/bus/pci/drivers/${name}`);
    await fs.mkdir(dir, { recursive: true });
    for (const f of ['bind', 'unbind', 'new_id', 'remove_id']) {
      await fs.writeFile(path.join(dir, f), '', { flag: 'a' });
    }
  }

  /** Adds one function with its id files, override, group, interfaces, driver and SR-IOV links. */
  async addDevice(d: TreeDevice): Promise<void> {
    const dir = this.at(this.devicePath(d.bdf));
    await fs.mkdir(dir, { recursive: true });
    const hex = (v: string) => `0x${v}\n`;
    await fs.writeFile(path.join(dir, 'vendor'), hex(d.vendor));
    await fs.writeFile(path.join(dir, 'device'), hex(d.device));
    await fs.writeFile(path.join(dir, 'class'), hex(d.classCode ?? '020000'));
    await fs.writeFile(path.join(dir, 'subsystem_vendor'), hex(d.subsystemVendor ?? d.vendor));
    await fs.writeFile(path.join(dir, 'subsystem_device'), hex(d.subsystemDevice ?? '0000'));
    await fs.writeFile(path.join(dir, 'revision'), hex(d.revision ?? '01'));
    if (!d.noOverride) await this.setOverride(d.bdf, d.driverOverride);
    await this.link(`sys/bus/pci/devices/${d.bdf}`, `../../..${this.devicePath(d.bdf).slice(4)}`);
    if (d.iommuGroup !== undefined) await this.setGroup(d.bdf, d.iommuGroup);
    for (const name of d.net ?? []) await fs.mkdir(path.join(dir, 'net', name), { recursive: true });
    if (d.driver) await this.bindDriver(d.bdf, d.driver);
    if (d.sriov) await this.setVfs(d.bdf, d.sriov.totalVfs, d.sriov.vfs ?? []);
    if (d.bootVga !== undefined) await fs.writeFile(path.join(dir, 'boot_vga'), d.bootVga ? '1\n' : '0\n');
  }

  /**
   * A disk below a controller (`bdf`), or a virtual block device (dm-0, md0) when `bdf` is
   * undefined, as the kernel lays them out: …/<bdf>/host0/…/block/sda, partitions inside it
   * (…/block/sda/sda1), /sys/class/block/<name> links, `dev` (major:minor), and `slaves`/`holders`
   * links between stacked devices. Also makes /dev/<name>.
   */
  async addBlockDevice(b: { name: string; dev: string; bdf?: string; partitions?: { name: string; dev: string }[]; slaves?: string[] }): Promise<void> {
    const disk = b.bdf ? `${this.devicePath(b.bdf)}/host0/target0:0:0/0:0:0:0/block/${b.name}` : `/sys/devices/virtual/block/${b.name}`;
    for (const [name, dev, where] of [[b.name, b.dev, disk], ...(b.partitions ?? []).map((p) => [p.name, p.dev, `${disk}/${p.name}`])] as [string, string, string][]) {
      await this.writeFile(`${where}/dev`, `${dev}\n`);
      await fs.mkdir(this.at(`${where}/holders`), { recursive: true });
      await this.link(`sys/class/block/${name}`, `../..${where.slice(4)}`);
      await this.writeFile(`/dev/${name}`, '');
    }
    for (const slave of b.slaves ?? []) {
      const lower = await fs.realpath(this.at(`sys/class/block/${slave}`));
      await this.link(`${disk.slice(1)}/slaves/${slave}`, path.relative(this.at(`${disk}/slaves`), lower));
      await this.link(`${path.relative(this.root, lower)}/holders/${b.name}`, path.relative(path.join(lower, 'holders'), this.at(disk)));
    }
  }

  /** An input device (a USB keyboard) below a controller: /sys/class/input/<name> with its `name`. */
  async addInputDevice(name: string, bdf: string, label: string): Promise<void> {
    const where = `${this.devicePath(bdf)}/usb1/1-1/1-1:1.0/0003:046D:C31C.0001/input/${name}`;
    await this.writeFile(`${where}/name`, `${label}\n`);
    await this.link(`sys/class/input/${name}`, `../..${where.slice(4)}`);
  }

  /** The console's framebuffer fb0 on a display controller (/sys/class/graphics/fb0, its `device` link). */
  async setFramebuffer(bdf: string): Promise<void> {
    const where = `${this.devicePath(bdf)}/graphics/fb0`;
    await fs.mkdir(this.at(where), { recursive: true });
    await this.link(`${where.slice(1)}/device`, '../..');
    await this.link('sys/class/graphics/fb0', `../..${where.slice(4)}`);
  }

  /** A symbolic link anywhere below the root (/dev/mapper/vg-root -> ../dm-0). */
  async symlink(treePath: string, target: string): Promise<void> {
    await this.link(treePath, target);
  }

  /** Writes driver_override as the kernel shows it: `(null)` when unset. */
  async setOverride(bdf: string, override: string | undefined): Promise<void> {
    await fs.writeFile(path.join(this.at(this.devicePath(bdf)), 'driver_override'), `${override ?? '(null)'}\n`);
  }

  /** Links device <-> driver both ways (the `driver` link and the driver's `<bdf>` link). */
  async bindDriver(bdf: string, driver: string): Promise<void> {
    await this.addDriver(driver);
    await this.unbindDriver(bdf);
    await this.link(`${this.devicePath(bdf).slice(1)}/driver`, `../../../bus/pci/drivers/${driver}`);
    await this.link(`sys/bus/pci/drivers/${driver}/${bdf}`, `../../../..${this.devicePath(bdf).slice(4)}`);
  }

  /** Removes both links; a no-op when the device is unbound. */
  async unbindDriver(bdf: string): Promise<void> {
    const link = this.at(`${this.devicePath(bdf).slice(1)}/driver`);
    const target = await fs.readlink(link).catch(() => undefined);
    if (target === undefined) return;
    await fs.rm(link, { force: true });
    await fs.rm(this.at(`sys/bus/pci/drivers/${path.basename(target)}/${bdf}`), { force: true });
  }

  /** Puts the device in group N (the group folder is created when missing). */
  async setGroup(bdf: string, group: number): Promise<void> {
    await fs.mkdir(this.at(`sys/kernel/iommu_groups/${group}/devices`), { recursive: true });
    await this.link(`${this.devicePath(bdf).slice(1)}/iommu_group`, `../../../kernel/iommu_groups/${group}`);
    await this.link(`sys/kernel/iommu_groups/${group}/devices/${bdf}`, `../../../../devices/pci${bdf.slice(0, 4)}:00/${bdf}`);
  }

  /**
   * Makes `pf` a PF with `totalVfs` and exactly `vfs` existing (sriov_numvfs = vfs.length):
   * virtfn<i> on the PF, physfn on each VF (whose folder is created if not added yet; add its id
   * files and group with addDevice). VFs linked before and not listed now are removed.
   */
  async setVfs(pf: string, totalVfs: number, vfs: readonly string[]): Promise<void> {
    const dir = this.at(this.devicePath(pf));
    await fs.writeFile(path.join(dir, 'sriov_totalvfs'), `${totalVfs}\n`);
    await fs.writeFile(path.join(dir, 'sriov_numvfs'), `${vfs.length}\n`);
    for (const name of await fs.readdir(dir)) {
      if (!/^virtfn\d+$/.test(name)) continue;
      // Like the kernel, VFs that no longer exist disappear with their links.
      const old = path.basename(await fs.readlink(path.join(dir, name)));
      await fs.rm(path.join(dir, name), { force: true });
      if (!vfs.includes(old)) await this.removeDevice(old);
    }
    for (const [i, vf] of vfs.entries()) {
      await fs.mkdir(this.at(this.devicePath(vf)), { recursive: true });
      await this.link(`${this.devicePath(pf).slice(1)}/virtfn${i}`, `../${vf}`);
      await this.link(`${this.devicePath(vf).slice(1)}/physfn`, `../${pf}`);
    }
  }

  /** Removes a function the way hot-unplug or numvfs=0 does: its folder, driver, group and bus links. */
  async removeDevice(bdf: string): Promise<void> {
    await this.unbindDriver(bdf);
    const group = await fs.readlink(this.at(`${this.devicePath(bdf).slice(1)}/iommu_group`)).catch(() => undefined);
    if (group !== undefined) await fs.rm(this.at(`sys/kernel/iommu_groups/${path.basename(group)}/devices/${bdf}`), { force: true });
    await fs.rm(this.at(`sys/bus/pci/devices/${bdf}`), { force: true });
    await fs.rm(this.at(this.devicePath(bdf)), { recursive: true, force: true });
  }

  /** Writes any file below the root (for files this builder does not know: /proc/cmdline, ...). */
  async writeFile(treePath: string, data: string): Promise<void> {
    const file = this.at(treePath);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, data);
  }

  async cleanup(): Promise<void> {
    await fs.rm(this.root, { recursive: true, force: true });
  }

  /** Maps a tree path (`/sys/...` or `sys/...`) into the temp folder. */
  at(treePath: string): string {
    return path.join(this.root, treePath.replace(/^\/+/, ''));
  }

  /** (Re)creates a relative symlink at `treePath`, its parent folder included. */
  private async link(treePath: string, target: string): Promise<void> {
    const file = this.at(treePath);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.rm(file, { force: true });
    await fs.symlink(target, file);
  }
}

/** Builds a whole tree from a spec (devices in order, VFs may be listed before or after their PF). */
export async function buildSysfsTree(spec: TreeSpec): Promise<SysfsTree> {
  const tree = await SysfsTree.create();
  for (const driver of spec.drivers ?? []) await tree.addDriver(driver);
  for (const device of spec.devices) await tree.addDevice(device);
  return tree;
}
