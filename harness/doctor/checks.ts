import { type HostFacts, VFIO_MODULES } from './facts.ts';

export type Grade = 'PASS' | 'WARN' | 'FAIL';

export interface CheckResult {
  id: string;
  /** virt-host-validate style: `Checking for hardware virtualization`. */
  title: string;
  grade: Grade;
  /** What was found. */
  detail: string;
  /** What to do; present on WARN and FAIL. */
  remedy?: string;
}

const pass = (id: string, title: string, detail: string): CheckResult => ({ id, title, grade: 'PASS', detail });
const grade = (g: Grade, id: string, title: string, detail: string, remedy: string): CheckResult => ({ id, title, grade: g, detail, remedy });

export function checkCpuVirtualization(f: HostFacts): CheckResult {
  const title = 'Checking for hardware virtualization';
  if (f.cpu?.virtFlag) return pass('cpu-virt', title, `${f.cpu.virtFlag === 'vmx' ? 'Intel VT-x' : 'AMD-V'} (${f.cpu.virtFlag} in /proc/cpuinfo)`);
  return grade('FAIL', 'cpu-virt', title, f.cpu ? 'neither vmx nor svm in /proc/cpuinfo flags' : '/proc/cpuinfo could not be read',
    'Enable Intel VT-x or AMD-V (SVM) in the firmware setup. Inside a VM, enable nested virtualization on its host (for example -cpu host, kvm_intel nested=1).');
}

export function checkKvmDevice(f: HostFacts): CheckResult {
  const title = 'Checking if device /dev/kvm exists and is accessible';
  if (f.kvm.openable && !f.cpu?.virtFlag) {
    // Seen on these build machines: kvm_pvm (paravirtual KVM) gives a /dev/kvm without VT-x/AMD-V.
    return grade('WARN', 'kvm-device', title,
      `/dev/kvm opens, but the CPU has no vmx/svm (kvm modules: ${f.kvmModules.join(', ') || 'none'}): not hardware KVM, treated as TCG only`,
      'Run on a host with VT-x/AMD-V enabled; results here are not comparable with a KVM lab host.');
  }
  if (f.kvm.openable) return pass('kvm-device', title, `/dev/kvm opened read-write (${f.kvmModules.join(', ') || 'kvm'})`);
  if (f.kvm.exists) {
    return grade('FAIL', 'kvm-device', title, `/dev/kvm exists but cannot be opened read-write${f.kvm.error ? `: ${f.kvm.error}` : ''}`,
      'Run as root or add the user to the kvm group (`usermod -aG kvm USER`, then log in again).');
  }
  const module = f.cpu?.vendor === 'amd' ? 'kvm_amd' : 'kvm_intel';
  return grade('FAIL', 'kvm-device', title, '/dev/kvm does not exist: KVM is not available',
    `Load KVM (\`modprobe ${module}\`) after enabling hardware virtualization; without it QEMU runs under TCG emulation only.`);
}

/** Which accelerator a guest would get. Informational, so never FAIL: the KVM checks already do. */
export function checkAccelerator(f: HostFacts): CheckResult {
  const title = 'Checking which accelerator QEMU can use';
  if (f.cpu?.virtFlag && f.kvm.openable) return pass('accelerator', title, 'KVM');
  return grade('WARN', 'accelerator', title, 'only TCG (software emulation): guests run 10-50x slower and measurements are not comparable with KVM runs',
    'Fix the KVM checks above; every report of a TCG run says so.');
}

/** Intel or AMD IOMMU: the hardware that is there decides (an emulated intel-iommu can sit under an AMD CPU). */
function iommuVendor(f: HostFacts): 'intel' | 'amd' {
  if (f.iommuUnits.some((u) => u.startsWith('dmar')) || /\bDMAR\b/.test(f.dmesg ?? '')) return 'intel';
  if (f.iommuUnits.some((u) => u.startsWith('ivhd')) || /\b(IVRS|AMD-Vi)\b/.test(f.dmesg ?? '')) return 'amd';
  return f.cpu?.vendor === 'amd' ? 'amd' : 'intel';
}

function iommuRemedy(f: HostFacts): string {
  const param = iommuVendor(f) === 'amd' ? 'amd_iommu=on' : 'intel_iommu=on';
  return `Enable VT-d / AMD-Vi in the firmware setup, then add \`${param} iommu=pt\` to GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, run \`update-grub\` (grub2-mkconfig -o /boot/grub2/grub.cfg on Fedora/RHEL) and reboot.`;
}

export function checkIommuHardware(f: HostFacts): CheckResult {
  const title = 'Checking for device assignment IOMMU support';
  const evidence = f.iommuUnits.length
    ? `/sys/class/iommu: ${f.iommuUnits.join(', ')}`
    : f.dmesg && /\b(DMAR|IVRS|AMD-Vi)\b/.test(f.dmesg) ? 'DMAR/IVRS (ACPI IOMMU tables) in the kernel log' : undefined;
  if (evidence) return pass('iommu-hardware', title, evidence);
  const unknown = f.dmesg === undefined ? ` (kernel log unreadable: ${f.dmesgError ?? 'unknown'})` : '';
  return grade('FAIL', 'iommu-hardware', title, `no IOMMU found: /sys/class/iommu is empty and no DMAR/IVRS lines in the kernel log${unknown}`, iommuRemedy(f));
}

export function checkIommuEnabled(f: HostFacts): CheckResult {
  const title = 'Checking if IOMMU is enabled by kernel';
  const cmdline = f.cmdline ?? '';
  const param = /\b(intel_iommu=on|amd_iommu=on|amd_iommu=\S+)/.exec(cmdline)?.[1];
  if (f.iommuGroupCount > 0) {
    return pass('iommu-enabled', title, `${f.iommuGroupCount} IOMMU groups in /sys/kernel/iommu_groups${param ? ` (${param} on the kernel command line)` : ''}`);
  }
  return grade('FAIL', 'iommu-enabled', title,
    `/sys/kernel/iommu_groups is empty${param ? ` although ${param} is on the kernel command line` : '; the kernel command line has no intel_iommu=on / amd_iommu'}`,
    iommuRemedy(f));
}

export function checkInterruptRemapping(f: HostFacts): CheckResult {
  const title = 'Checking for interrupt remapping';
  if (f.dmesg && /DMAR-IR: Enabled IRQ remapping|AMD-Vi: Interrupt remapping enabled/.test(f.dmesg)) {
    return pass('interrupt-remapping', title, 'enabled (kernel log)');
  }
  if (f.intelIrCapable === true) return pass('interrupt-remapping', title, 'supported (IR bit in the remapping unit\'s ecap)');
  const found = f.intelIrCapable === false ? 'the IOMMU does not support it (ecap IR bit clear)'
    : f.dmesg === undefined ? 'unknown: the kernel log could not be read' : 'not reported as enabled';
  return grade('WARN', 'interrupt-remapping', title, found,
    'Without interrupt remapping vfio refuses assignment unless vfio_iommu_type1 allow_unsafe_interrupts=1, which lets a guest inject interrupts: use only on a trusted lab host. Enable it with the IOMMU (x2apic, intremap on).');
}

export function checkVfioModules(f: HostFacts): CheckResult[] {
  return VFIO_MODULES.map((name) => {
    const title = `Checking for kernel module ${name}`;
    const state = f.modules[name] ?? 'missing';
    if (state === 'loaded') return pass(`module-${name}`, title, 'loaded');
    if (state === 'available') return pass(`module-${name}`, title, 'available (not loaded; binding loads it)');
    return grade('FAIL', `module-${name}`, title, `not loaded and \`modinfo ${name}\` does not find it`,
      'Install the modules of the running kernel (Debian: linux-image-$(uname -r); Ubuntu: linux-modules-extra-$(uname -r)) or build it with CONFIG_VFIO_PCI.');
  });
}

export function checkQemu(f: HostFacts): CheckResult {
  const title = 'Checking for qemu-system-x86_64';
  if (!f.qemu.version) {
    return grade('FAIL', 'qemu', title, f.qemu.error ?? 'not found',
      'Install QEMU (Debian: `apt-get install qemu-system-x86`; for 10.x on bookworm use `-t bookworm-backports`).');
  }
  const [major, minor, patch] = f.qemu.version.split('.').map(Number);
  // LAB-FACTS: 10.0.x before 10.0.13 misdecodes SR-IOV VF BARs above 4 GiB (pcie_sriov fix).
  if (major === 10 && minor === 0 && (patch ?? 0) < 13) {
    return grade('WARN', 'qemu', title, `QEMU ${f.qemu.version}: emulated SR-IOV VFs (virtual lab) lose their BARs above 4 GiB`,
      'Virtual lab hosts need -global q35-pcihost.pci-hole64-size=0 (passbench lab sets it), or use QEMU >= 10.0.13.');
  }
  return pass('qemu', title, `QEMU ${f.qemu.version}`);
}
