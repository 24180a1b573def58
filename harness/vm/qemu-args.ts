import { UsageError } from '../errors.ts';
import { bootArgs, type BootSpec } from './boot-args.ts';
import { nicArgs, type NicSpec } from './nic-args.ts';
import { checkCpuModel, checkInt, checkName, checkPath } from './qemu-values.ts';
import { vfioArgs, type VfioDeviceSpec } from './vfio-args.ts';

export type { BootSpec } from './boot-args.ts';
export type { HostForward, NetdevSpec, NicSpec } from './nic-args.ts';
export type { VfioDeviceSpec } from './vfio-args.ts';

/** A file handed to the guest through fw_cfg, visible as `opt/passbench/NAME`. */
export interface FwCfgFile {
  name: string;
  file: string;
}

/**
 * A virtio disk: a guest's copy-on-write overlay (qcow2) or its read-only cloud-init seed (raw ISO).
 * The first one is what `{ kind: 'disk' }` boots and what a kernel's `root=/dev/vda` finds.
 */
export interface DriveSpec {
  file: string;
  format: 'qcow2' | 'raw';
  readOnly?: boolean;
}

/** Everything a test guest is: what `guestQemuArgs` turns into a command line. */
export interface GuestSpec {
  /** Path of qemu-system-x86_64 (argv[0]). */
  qemu?: string;
  /** `-name`: also how a lingering guest is found (`pgrep -f`). */
  name: string;
  /** 'kvm' only when /dev/kvm is usable; a TCG run must say so in its report. */
  accel: 'kvm' | 'tcg';
  memoryMiB: number;
  cpus: number;
  boot: BootSpec;
  drives?: readonly DriveSpec[];
  vfio?: readonly VfioDeviceSpec[];
  nic?: NicSpec;
  /** QMP on a unix socket (local QEMU). Give this or `qmpTcpPort`. */
  qmpSocket?: string;
  /**
   * QMP on 127.0.0.1:PORT of the QEMU host instead: for a QEMU on an SshHost whose sshd cannot
   * forward unix sockets (dropbear has no streamlocal), reached with SshHost.forwardOut. Anyone
   * on that host can connect to it: use it on lab hosts only.
   */
  qmpTcpPort?: number;
  serialLog: string;
  /** `-cpu` model; default `host` under KVM, `max` under TCG. */
  cpuModel?: string;
  fwCfg?: readonly FwCfgFile[];
  pidFile?: string;
  /** Start with the CPUs stopped (`-S`): inspect over QMP (query-pci), then `cont`. */
  paused?: boolean;
}

/**
 * A guest's QEMU command line as an argv array (no shell anywhere). Pure: the same spec gives the
 * same argv; nothing is read or started here. Every path and name is checked before it is used.
 */
export function guestQemuArgs(spec: GuestSpec): string[] {
  const args = [
    spec.qemu ?? 'qemu-system-x86_64',
    '-name', checkName('name', spec.name),
    '-machine', 'q35',
    ...accelArgs(spec.accel, spec.cpuModel),
    '-m', String(checkInt('memoryMiB', spec.memoryMiB, 64, 1 << 20)),
    '-smp', String(checkInt('cpus', spec.cpus, 1, 256)),
    '-nodefaults', '-no-user-config', '-display', 'none',
    ...bootArgs(spec.boot),
    ...driveArgs(spec.drives ?? []),
    ...vfioArgs(spec.vfio ?? []),
    ...(spec.nic ? nicArgs(spec.nic) : []),
    ...fwCfgArgs(spec.fwCfg ?? []),
    '-serial', `file:${checkPath('serialLog', spec.serialLog)}`,
    '-qmp', qmpArg(spec),
    '-monitor', 'none',
  ];
  if (spec.pidFile !== undefined) args.push('-pidfile', checkPath('pidFile', spec.pidFile));
  if (spec.paused) args.push('-S');
  return args;
}

export function driveArgs(drives: readonly DriveSpec[]): string[] {
  return drives.flatMap((d, i) => [
    '-drive',
    `file=${checkPath(`drives[${i}].file`, d.file)},if=virtio,format=${d.format === 'raw' ? 'raw' : 'qcow2'}${d.readOnly ? ',readonly=on' : ''}`,
  ]);
}

export function accelArgs(accel: 'kvm' | 'tcg', cpuModel?: string): string[] {
  const cpu = cpuModel === undefined ? (accel === 'kvm' ? 'host' : 'max') : checkCpuModel('cpuModel', cpuModel);
  return ['-accel', accel, '-cpu', cpu];
}

export function qmpArg(spec: Pick<GuestSpec, 'qmpSocket' | 'qmpTcpPort'>): string {
  if ((spec.qmpSocket === undefined) === (spec.qmpTcpPort === undefined)) {
    throw new UsageError('a guest needs exactly one of qmpSocket and qmpTcpPort');
  }
  if (spec.qmpTcpPort !== undefined) return `tcp:127.0.0.1:${checkInt('qmpTcpPort', spec.qmpTcpPort, 1, 65535)},server=on,wait=off`;
  return `unix:${checkPath('qmpSocket', spec.qmpSocket!)},server=on,wait=off`;
}

export function fwCfgArgs(files: readonly FwCfgFile[]): string[] {
  return files.flatMap((f, i) => [
    '-fw_cfg',
    `name=opt/passbench/${checkName(`fwCfg[${i}].name`, f.name)},file=${checkPath(`fwCfg[${i}].file`, f.file)}`,
  ]);
}
