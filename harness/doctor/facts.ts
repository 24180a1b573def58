import { parseCpuinfo, type CpuFacts } from '../host/cpuinfo.ts';
import type { Host } from '../host/host.ts';
import type { Bdf } from '../pci/bdf.ts';
import { readDirOptional, readOptional } from '../pci/sysfs-read.ts';
import { planAssignGroup, type AssignPlan } from '../prepare/assign-group.ts';
import { readAssignInputs, type ActiveInterfaceProbe } from '../prepare/assign-inputs.ts';
import { errorMessage } from '../errors.ts';

/** The modules device assignment needs, by their /sys/module names. */
export const VFIO_MODULES = ['vfio', 'vfio_pci', 'vfio_iommu_type1'] as const;
export type ModuleState = 'loaded' | 'available' | 'missing';

/** Everything the checks look at, gathered once; the checks themselves are pure. */
export interface HostFacts {
  /** undefined when /proc/cpuinfo could not be read. */
  cpu?: CpuFacts;
  kvm: { exists: boolean; openable: boolean; error?: string };
  /** Loaded kvm* modules (kvm, kvm_intel, kvm_amd, kvm_pvm...). */
  kvmModules: string[];
  /** Kernel log text; undefined with the reason when it could not be read (dmesg_restrict). */
  dmesg?: string;
  dmesgError?: string;
  cmdline?: string;
  /** Entries in /sys/class/iommu (dmar0, ivhd0...). */
  iommuUnits: string[];
  /** Whether an Intel unit's ecap has the interrupt-remapping bit; undefined when unknown. */
  intelIrCapable?: boolean;
  iommuGroupCount: number;
  modules: Record<string, ModuleState>;
  qemu: { version?: string; error?: string };
  device?: DeviceFacts;
}

/** With --device: the same plan `passbench bind` would make (harness/prepare), before anything changes. */
export interface DeviceFacts {
  bdf: Bdf;
  group?: number;
  /** Every member of its group (the device itself included). */
  members: { bdf: Bdf; driver?: string }[];
  plan: AssignPlan;
}

export interface DeviceOptions {
  device?: Bdf;
  /** bind's --with: unnamed group members the user agrees to give up. */
  with?: readonly Bdf[];
  probeActive?: ActiveInterfaceProbe;
}

export async function gatherHostFacts(host: Host, options: DeviceOptions = {}): Promise<HostFacts> {
  // Asked at once: over SSH each is a round trip, and none depends on another (but the IOMMU
  // units' capabilities, read once the units are known).
  const units = readDirOptional(host, '/sys/class/iommu');
  const [dmesg, cpuinfo, kvm, modulesDir, cmdline, unitList, intelIrCapable, groups, modules, qemu, device] = await Promise.all([
    host.run(['dmesg'], { allowFailure: true }).catch((e: unknown) => ({ exitCode: -1, stdout: '', stderr: errorMessage(e) })),
    readOptional(host, '/proc/cpuinfo'),
    probeKvm(host),
    readDirOptional(host, '/sys/module'),
    readOptional(host, '/proc/cmdline'),
    units,
    units.then((list) => readIntelIr(host, list)),
    readDirOptional(host, '/sys/kernel/iommu_groups'),
    probeModules(host),
    probeQemu(host),
    options.device ? gatherDeviceFacts(host, options.device, options) : undefined,
  ]);
  return {
    cpu: parseCpuinfo(cpuinfo),
    kvm,
    kvmModules: modulesDir.filter((m) => /^kvm/.test(m)),
    ...(dmesg.exitCode === 0 ? { dmesg: dmesg.stdout } : { dmesgError: dmesg.stderr.trim() || `exit code ${dmesg.exitCode}` }),
    cmdline,
    iommuUnits: unitList,
    intelIrCapable,
    iommuGroupCount: groups.length,
    modules,
    qemu,
    device,
  };
}

/** Opens /dev/kvm read-write the way QEMU does; the shell script is a constant. */
async function probeKvm(host: Host): Promise<HostFacts['kvm']> {
  if (!(await host.exists('/dev/kvm'))) return { exists: false, openable: false };
  const r = await host.run(['sh', '-c', 'exec 3<>/dev/kvm'], { allowFailure: true });
  return r.exitCode === 0 ? { exists: true, openable: true } : { exists: true, openable: false, error: r.stderr.trim() };
}

/** ECAP bit 3 (IR) of an Intel remapping unit says it can remap interrupts. */
async function readIntelIr(host: Host, units: readonly string[]): Promise<boolean | undefined> {
  for (const unit of units) {
    const ecap = await readOptional(host, `/sys/class/iommu/${unit}/intel-iommu/ecap`);
    if (ecap !== undefined && /^[0-9a-f]+$/i.test(ecap)) return (BigInt(`0x${ecap}`) & 8n) !== 0n;
  }
  return undefined;
}

async function probeModules(host: Host): Promise<Record<string, ModuleState>> {
  const states = await Promise.all(VFIO_MODULES.map(async (name): Promise<ModuleState> => {
    if (await host.exists(`/sys/module/${name}`)) return 'loaded';
    const r = await host.run(['modinfo', '-n', name], { allowFailure: true }).catch(() => ({ exitCode: -1 }));
    return r.exitCode === 0 ? 'available' : 'missing';
  }));
  return Object.fromEntries(VFIO_MODULES.map((name, i) => [name, states[i]!]));
}

async function probeQemu(host: Host): Promise<HostFacts['qemu']> {
  try {
    const r = await host.run(['qemu-system-x86_64', '--version'], { timeoutMs: 20_000 });
    const version = /version\s+(\d+\.\d+(?:\.\d+)?)/.exec(r.stdout)?.[1];
    return version ? { version } : { error: `unexpected output: ${r.stdout.split('\n')[0]}` };
  } catch (error) {
    return { error: errorMessage(error).split('\n')[0] };
  }
}

async function gatherDeviceFacts(host: Host, bdf: Bdf, options: DeviceOptions): Promise<DeviceFacts> {
  const { facts, active, dependencies } = await readAssignInputs(host, [bdf], options.probeActive);
  const device = facts.get(bdf)!;
  const plan = planAssignGroup([bdf], facts, active, { with: options.with, dependencies });
  return { bdf, group: device.iommuGroup, members: device.groupMembers.map((m) => ({ bdf: m, driver: facts.get(m)?.driver })), plan };
}
