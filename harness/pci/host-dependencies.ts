import path from 'node:path';
import type { Host } from '../host/host.ts';
import type { Bdf } from './bdf.ts';
import { PCI_DEVICES_DIR } from './inventory.ts';
import { isMissing, readDirOptional, readOptional } from './sysfs-read.ts';

/**
 * Which PCI devices the host itself depends on, besides its network interfaces (those are
 * active-interfaces.ts): the storage under its mounts, swap and device-mapper/md stacks, the
 * display of its console, controllers with input devices (keyboards, mice), and the chipset's host
 * and ISA/LPC bridges (firmware, TPM, super-I/O, watchdog). Everything is read
 * from sysfs and /proc through the Host, so it works the same over SSH on a lab host.
 *
 * A device depends on another when it sits below it in sysfs: /sys/class/block/sda1 resolves to
 * /sys/devices/pci0000:00/0000:00:1f.2/ata1/…/block/sda/sda1, so every address in that path
 * (the controller and the bridges above it) is on the way to sda1.
 */
export type HostUse =
  | { kind: 'mount'; block: string; via?: string; mountPoint: string }
  | { kind: 'swap'; block: string; via?: string }
  | { kind: 'held'; block: string; via?: string; holder: string }
  | { kind: 'console'; evidence: string }
  | { kind: 'input'; input: string; name?: string }
  | { kind: 'chipset'; bridge: 'host' | 'ISA/LPC' };

export type HostDependencies = ReadonlyMap<Bdf, HostUse[]>;
type BlockUse = Extract<HostUse, { block: string }>;

const CLASS_BLOCK = '/sys/class/block';
const BDF_IN_PATH = /(?<=\/)[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7](?=\/|$)/g;

/**
 * The chipset functions the host cannot give up: PCI classes 06 00 (host bridge) and 06 01 (ISA
 * bridge, the LPC/eSPI controller). Without ACS they share an IOMMU group with the SATA and SMBus
 * functions of the same chip (00:1f.x), so binding any of those took the LPC bridge along.
 */
const CHIPSET_CLASSES: Readonly<Record<string, 'host' | 'ISA/LPC'>> = { '0x0600': 'host', '0x0601': 'ISA/LPC' };

/** Every device the host depends on, with why. `candidates` are also checked for boot_vga and the chipset's bridges. */
export async function findHostDependencies(host: Host, candidates: readonly Bdf[] = []): Promise<HostDependencies> {
  const uses = new Map<Bdf, HostUse[]>();
  const add = (sysfsPath: string, use: HostUse) => {
    for (const bdf of sysfsPath.match(BDF_IN_PATH) ?? []) {
      const list = uses.get(bdf as Bdf) ?? [];
      // `sda2 held by dm-0` says nothing new once `sda2 under dm-0 mounted at /` is there
      // (holders come after mounts and swaps).
      const known = list.some((u) => JSON.stringify(u) === JSON.stringify(use)
        || (use.kind === 'held' && (u.kind === 'mount' || u.kind === 'swap') && u.block === use.block));
      if (!known) list.push(use);
      uses.set(bdf as Bdf, list);
    }
  };
  // Every read goes out at once (each is a round trip to a remote host); what they found is added
  // below in a fixed order, so the reasons read the same whatever answered first.
  const [storage, fb0, candidateFacts, inputs] = await Promise.all([
    storageUses(host),
    realPathOptional(host, '/sys/class/graphics/fb0/device'),
    Promise.all(candidates.map(async (bdf) => {
      const [bootVga, cls] = await Promise.all(['boot_vga', 'class'].map((a) => readOptional(host, `${PCI_DEVICES_DIR}/${bdf}/${a}`)));
      return { bdf, bootVga, cls };
    })),
    inputDevices(host),
  ]);
  for (const { where, use } of storage) add(where, use);
  if (fb0) add(fb0, { kind: 'console', evidence: 'its framebuffer is fb0' });
  for (const { bdf, bootVga, cls } of candidateFacts) {
    if (bootVga === '1') add(`/${bdf}`, { kind: 'console', evidence: 'boot_vga is 1' });
    const bridge = CHIPSET_CLASSES[(cls ?? '').slice(0, 6)];
    if (bridge) add(`/${bdf}`, { kind: 'chipset', bridge });
  }
  for (const { where, input, name } of inputs) add(where, { kind: 'input', input, name });
  return uses;
}

/** Each block device in use, and each device below it, with the sysfs path it sits at. */
async function storageUses(host: Host): Promise<{ where: string; use: BlockUse }[]> {
  const blocks = await readBlockDevices(host);
  const found = await Promise.all((await blockUses(host, blocks)).map(async ({ block, use }) =>
    (await lowerDevices(host, block)).flatMap((leaf) => {
      const where = blocks.get(leaf)?.path;
      return where ? [{ where, use: leaf === block ? use : { ...use, block: leaf, via: block } }] : [];
    })));
  return found.flat();
}

/** Input devices (keyboards, mice) and where they sit. */
async function inputDevices(host: Host): Promise<{ where: string; input: string; name?: string }[]> {
  const inputs = (await readDirOptional(host, '/sys/class/input')).filter((n) => /^input\d+$/.test(n));
  const found = await Promise.all(inputs.map(async (input) => {
    const [where, name] = await Promise.all([realPathOptional(host, `/sys/class/input/${input}`), readOptional(host, `/sys/class/input/${input}/name`)]);
    return where ? [{ where, input, name }] : [];
  }));
  return found.flat();
}

/** One phrase for people: `sda1 mounted at / (the root filesystem)`. */
export function describeHostUse(use: HostUse): string {
  const via = (u: { via?: string }) => (u.via ? ` under ${u.via}` : '');
  switch (use.kind) {
    case 'mount': return `${use.block}${via(use)} mounted at ${use.mountPoint}${use.mountPoint === '/' ? ' (the root filesystem)' : ''}`;
    case 'swap': return `${use.block}${via(use)} in use as swap`;
    case 'held': return `${use.block}${via(use)} held by ${use.holder} (device-mapper, md or another stack on it)`;
    case 'console': return `the active console's display (${use.evidence})`;
    case 'input': return `input device ${use.input}${use.name ? ` (${use.name})` : ''}`;
    case 'chipset': return `the chipset's ${use.bridge} bridge${use.bridge === 'ISA/LPC' ? ' (firmware, TPM, super-I/O, watchdog behind it)' : ''}`;
  }
}

interface BlockDevice { path: string; dev?: string }

/** /sys/class/block: name → its device path and major:minor. */
async function readBlockDevices(host: Host): Promise<Map<string, BlockDevice>> {
  const names = await readDirOptional(host, CLASS_BLOCK);
  const read = await Promise.all(names.map((name) => Promise.all([realPathOptional(host, `${CLASS_BLOCK}/${name}`), readOptional(host, `${CLASS_BLOCK}/${name}/dev`)])));
  const blocks = new Map<string, BlockDevice>();
  names.forEach((name, i) => {
    const [where, dev] = read[i]!;
    if (where) blocks.set(name, { path: where, dev });
  });
  return blocks;
}

/** Block devices in use at the top of their stack: mounted, swapped on, or held by another device. */
async function blockUses(host: Host, blocks: ReadonlyMap<string, BlockDevice>): Promise<{ block: string; use: BlockUse }[]> {
  const found: { block: string; use: BlockUse }[] = [];
  const byDev = new Map([...blocks].flatMap(([name, b]) => (b.dev ? [[b.dev, name] as const] : [])));
  const resolve = async (source: string, dev?: string): Promise<string | undefined> => {
    // major:minor is exact (and names /dev/root); btrfs reports an anonymous 0:N, so then the source.
    if (dev && !dev.startsWith('0:') && byDev.has(dev)) return byDev.get(dev);
    if (!source.startsWith('/dev/')) return undefined;
    const name = path.posix.basename((await realPathOptional(host, source)) ?? source);
    return blocks.has(name) ? name : undefined;
  };
  const [mountinfo, swaps, holders] = await Promise.all([
    readOptional(host, '/proc/self/mountinfo'),
    readOptional(host, '/proc/swaps'),
    Promise.all([...blocks.keys()].map(async (block) => ({ block, holders: await readDirOptional(host, `${CLASS_BLOCK}/${block}/holders`) }))),
  ]);
  const mounts = parseMountInfo(mountinfo ?? '');
  const swapFiles = parseSwaps(swaps ?? '');
  // A swap file lives on a mounted filesystem, which is already counted.
  const [mounted, swapped] = await Promise.all([
    Promise.all(mounts.map((m) => resolve(m.source, m.dev))),
    Promise.all(swapFiles.map((file) => resolve(file))),
  ]);
  mounts.forEach((m, i) => {
    const block = mounted[i];
    if (block) found.push({ block, use: { kind: 'mount', block, mountPoint: m.mountPoint } });
  });
  for (const block of swapped) if (block) found.push({ block, use: { kind: 'swap', block } });
  for (const { block, holders: list } of holders) {
    for (const holder of list) found.push({ block, use: { kind: 'held', block, holder } });
  }
  // The root filesystem first, so it leads each device's reasons.
  return found.sort((a, b) => Number(isRoot(b.use)) - Number(isRoot(a.use)));
}

const isRoot = (use: HostUse) => use.kind === 'mount' && use.mountPoint === '/';

/** The device and everything below it through `slaves` (dm-0 → sda2; md0 → sda1, sdb1). */
async function lowerDevices(host: Host, block: string, seen = new Set<string>()): Promise<string[]> {
  if (seen.has(block)) return [];
  seen.add(block);
  const slaves = await readDirOptional(host, `${CLASS_BLOCK}/${block}/slaves`);
  return [block, ...(await Promise.all(slaves.map((slave) => lowerDevices(host, slave, seen)))).flat()];
}

/** /proc/self/mountinfo: `36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue`. */
export function parseMountInfo(text: string): { dev: string; mountPoint: string; source: string }[] {
  return text.split('\n').flatMap((line) => {
    const [left, right] = line.split(' - ');
    const f = left?.trim().split(' ') ?? [];
    const source = right?.trim().split(' ')[1];
    if (f.length < 5 || source === undefined) return [];
    return [{ dev: f[2]!, mountPoint: unescapeOctal(f[4]!), source: unescapeOctal(source) }];
  });
}

/** /proc/swaps: a header, then `Filename Type Size Used Priority` per swap area. */
export function parseSwaps(text: string): string[] {
  return text.split('\n').slice(1).map((l) => l.trim().split(/\s+/)[0] ?? '').filter((f) => f.startsWith('/')).map(unescapeOctal);
}

/** The kernel writes spaces, tabs, newlines and backslashes in these files as \040-style escapes. */
function unescapeOctal(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

async function realPathOptional(host: Host, p: string): Promise<string | undefined> {
  try {
    return await host.realPath(p);
  } catch (error) {
    // Absent (no framebuffer, a dangling link): nothing depends on it. Anything else is loud.
    if (isMissing(error)) return undefined;
    throw error;
  }
}
