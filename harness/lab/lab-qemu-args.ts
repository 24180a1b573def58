import { UsageError } from '../errors.ts';
import { checkCpuModel } from '../vm/qemu-values.ts';
import { netdevArg } from '../vm/nic-args.ts';
import { macForAddress } from '../guest/guest-mac.ts';

/**
 * The virtual lab host's QEMU command line, as an argv array (no shell anywhere).
 *
 * Pure: the same input gives the same argv; nothing is read or started here. See
 * vm-images/README.md for what each flag is for and what it was measured to cost or save.
 */
export interface LabQemuOptions {
  /** Path of qemu-system-x86_64 (argv[0]). */
  qemu?: string;
  kernel: string;
  initrd: string;
  /** 'kvm' only when /dev/kvm is usable; 'tcg' is what these machines run (reports must say so). */
  accel: 'kvm' | 'tcg';
  /** Host TCP port (127.0.0.1) forwarded to the lab host's port 22. */
  sshPort: number;
  /** Files handed in through fw_cfg: the OpenSSH host key and authorized_keys (0600). */
  hostKeyFile: string;
  authorizedKeysFile: string;
  /** Where the serial console goes, and the QMP unix socket. */
  serialLog: string;
  qmpSocket: string;
  /** Controller folders shared read-only over 9p (defaults /usr and /etc). */
  shareUsr?: string;
  shareEtc?: string;
  /**
   * Controller folder with the nested-guest images (build-guest.sh's cache dir), shared read-only
   * as 9p tag `passbench_images` and mounted at /images in the lab host. Only that folder: the
   * rest of the cache holds the labs' private keys.
   */
  shareImages?: string;
  memoryMiB?: number;
  cpus?: number;
  /** TCG's CPU model (default max); with KVM always host. bench/nested-boot.ts --lab-cpu compares them. */
  cpuModel?: string;
  /**
   * TCG's translation buffer in MiB. Default LAB_TB_SIZE_MIB (256), where QEMU's own is 1 GiB: a nested guest's QEMU
   * fills the lab's buffer with its JIT's output, and the next nested QEMU, writing to the same
   * pages of the lab host's memory, made the outer QEMU invalidate that stale code block by block
   * (~450 k blocks a boot, 6-8 s of it). A buffer this size is flushed whole 2-3 times a nested
   * boot instead: VF guest to SSH 31.0 s against 39.9 s (1 GiB) and 35.5 s (512 MiB); 128 MiB
   * retranslates too often (47.8 s). bench/nested-boot.ts --lab-tb-size, bench/README.md.
   */
  tbSizeMiB?: number;
  /** Number of SR-IOV capable igb PFs (the 82599 stand-in). Default 1. */
  igbCount?: number;
  /**
   * QEMU 10.0.2 (bookworm-backports) decodes only the low dword of 64-bit SR-IOV VF BARs, so VFs
   * whose BARs land above 4 GiB are unreachable ("PF still in reset state"). Keeping the 64-bit PCI
   * hole empty forces them below 4 GiB. Default true; set false only on a QEMU with the upstream fix
   * ("pcie_sriov: Fix broken MMIO accesses from SR-IOV VFs", e.g. Debian trixie 10.0.13).
   */
  vfBarWorkaround?: boolean;
  /**
   * The virtual cable to the lab's traffic host (traffic-host.ts): a port of the test hub (hub 1)
   * whose frames go to, and come from, the traffic host's QEMU over two unix datagram sockets.
   */
  cable?: { localPath: string; remotePath: string };
  /** Extra kernel arguments appended after the defaults. */
  extraAppend?: readonly string[];
  /** Daemonize with a pid file instead of staying in the foreground. */
  pidFile?: string;
}

const SAFE_PATH = /^[A-Za-z0-9_./+@-][A-Za-z0-9_./+@~:-]*$/;

function checkPath(what: string, p: string): string {
  // QEMU splits -device/-netdev option values on ',' — a comma in a path would inject options.
  if (!SAFE_PATH.test(p) || p.includes(',')) {
    throw new UsageError(`${what} ${JSON.stringify(p)} contains characters QEMU options cannot carry`, {
      remedy: 'Use a path made of letters, digits and . _ - / + @ ~ : (no commas or spaces).',
    });
  }
  return p;
}

function checkInt(what: string, n: number, min: number, max: number): number {
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${what} must be an integer from ${min} to ${max}, not ${n}`);
  }
  return n;
}

export function labKernelAppend(extra: readonly string[] = []): string {
  // quiet: the serial console under TCG is slow; console output was a large part of boot time.
  // lapic=notscdeadline: the local APIC's own countdown instead of the TSC-deadline timer, whose
  // deadline the emulated SVM's TSC offset for nested KVM guests can move (the lab host's CPU 0
  // once stopped getting timer interrupts after nested KVM guests; see vm-images/lab-init.sh).
  return ['intel_iommu=on', 'iommu=pt', 'console=ttyS0', 'quiet', 'panic=-1', 'lapic=notscdeadline', ...extra].join(' ');
}

/** The lab host's TCG translation buffer, MiB: see LabQemuOptions.tbSizeMiB. */
export const LAB_TB_SIZE_MIB = 256;

export function labQemuArgs(o: LabQemuOptions): string[] {
  const port = checkInt('sshPort', o.sshPort, 1, 65535);
  const mem = checkInt('memoryMiB', o.memoryMiB ?? 2048, 512, 1 << 20);
  const cpus = checkInt('cpus', o.cpus ?? 2, 1, 256);
  const igbs = checkInt('igbCount', o.igbCount ?? 1, 0, 4);
  for (const a of o.extraAppend ?? []) {
    if (!/^[A-Za-z0-9_.=:,/-]+$/.test(a)) throw new UsageError(`kernel argument ${JSON.stringify(a)} is not allowed`);
  }
  const usr = checkPath('shareUsr', o.shareUsr ?? '/usr');
  const etc = checkPath('shareEtc', o.shareEtc ?? '/etc');

  const args: string[] = [
    o.qemu ?? 'qemu-system-x86_64',
    '-name', 'passbench-lab',
    '-machine', 'q35,kernel-irqchip=split',
    '-accel', o.accel === 'kvm' ? 'kvm' : `tcg,thread=multi,tb-size=${checkInt('tbSizeMiB', o.tbSizeMiB ?? LAB_TB_SIZE_MIB, 16, 4096)}`,
    '-cpu', o.accel === 'kvm' ? 'host' : checkCpuModel('lab CPU model', o.cpuModel ?? 'max'),
    '-m', String(mem),
    '-smp', String(cpus),
    '-nodefaults', '-no-user-config', '-vga', 'none', '-display', 'none',
    // The emulated IOMMU must come before the devices it translates for.
    '-device', 'intel-iommu,intremap=on,caching-mode=on',
  ];
  if (o.vfBarWorkaround ?? true) args.push('-global', 'q35-pcihost.pci-hole64-size=0');

  // Device under test: igb PF(s) (SR-IOV, 8086:10c9, VFs 8086:10ca) on a QEMU hub with a peer
  // e1000e (the "other port" to send traffic to; lab-init.sh gives it 10.0.3.10 and 10.0.3.2).
  // No user-net on this hub: slirp takes every IP frame on the hub whatever its MAC, and in
  // restrict mode answers a TCP SYN to any address with a RST — faster than a nested guest's
  // SYN-ACK, so SSH to a guest on the hub was "Connection refused" while ping worked.
  for (let i = 0; i < igbs; i++) {
    args.push('-netdev', `hubport,id=igb${i},hubid=1`);
    // Fixed slots 3 apart: a PF in slot S puts its 7 VFs (offset 0x80, stride 2) in slots S+0x10
    // and S+0x11, and QEMU refuses a second PF whose VFs would land on the first one's.
    args.push('-device', `igb,netdev=igb${i},id=dut${i},addr=${(1 + 3 * i).toString(16)}.0,romfile=`);
  }
  args.push('-netdev', 'hubport,id=peer0,hubid=1');
  args.push('-device', 'e1000e,netdev=peer0,id=peer0nic,romfile=');
  if (o.cable) {
    args.push('-netdev', netdevArg('cable0', { kind: 'dgram', ...o.cable }));
    args.push('-netdev', 'hubport,id=cableport,hubid=1,netdev=cable0');
  }

  // Management NIC: e1000 + user-net; SSH reachable on 127.0.0.1:<port> only.
  args.push('-netdev', `user,id=mgmt,net=10.0.2.0/24,hostfwd=tcp:127.0.0.1:${port}-:22`);
  args.push('-device', 'e1000,netdev=mgmt,id=mgmtnic,romfile=');

  // Controller's /usr and /etc, read-only (the lab host's tools: qemu, iperf3, ip, lspci, sshd).
  args.push('-virtfs', `local,path=${usr},mount_tag=passbench_usr,security_model=none,readonly=on,multidevs=remap`);
  args.push('-virtfs', `local,path=${etc},mount_tag=passbench_etc,security_model=none,readonly=on,multidevs=remap`);

  if (o.shareImages !== undefined) {
    args.push('-virtfs', `local,path=${checkPath('shareImages', o.shareImages)},mount_tag=passbench_images,security_model=none,readonly=on,multidevs=remap`);
  }

  // The baselines' bridge port (lab-init.sh makes br-test on it): a virtio-net NIC on hub 1, last so
  // the devices before it keep their slots. It has no address; its MAC is macForAddress's for .12, unused.
  args.push('-netdev', 'hubport,id=uplink0,hubid=1');
  args.push('-device', `virtio-net-pci,netdev=uplink0,id=uplink0nic,mac=${macForAddress('10.0.3.12')},romfile=`);

  // Keys are passed in at boot, never baked into the image.
  args.push('-fw_cfg', `name=opt/passbench/host_key,file=${checkPath('hostKeyFile', o.hostKeyFile)}`);
  args.push('-fw_cfg', `name=opt/passbench/authorized_keys,file=${checkPath('authorizedKeysFile', o.authorizedKeysFile)}`);

  args.push('-kernel', checkPath('kernel', o.kernel));
  args.push('-initrd', checkPath('initrd', o.initrd));
  args.push('-append', labKernelAppend(o.extraAppend));

  args.push('-serial', `file:${checkPath('serialLog', o.serialLog)}`);
  args.push('-qmp', `unix:${checkPath('qmpSocket', o.qmpSocket)},server=on,wait=off`);
  args.push('-monitor', 'none');
  if (o.pidFile !== undefined) args.push('-pidfile', checkPath('pidFile', o.pidFile), '-daemonize');
  return args;
}
