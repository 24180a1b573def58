import { parseCpuinfo } from '../host/cpuinfo.ts';
import type { Host } from '../host/host.ts';

/**
 * The accelerator to ask for on a host: KVM when /dev/kvm is read-writable and the CPU has VT-x or
 * AMD-V (vmx or svm in /proc/cpuinfo), else TCG. The same rule as doctor's accelerator check.
 * Both are needed: some cloud machines have a /dev/kvm without either (paravirtual KVM, kvm_pvm),
 * which QEMU opens and then stops on "KVM internal error … emulation failure" in the kernel's
 * decompressor, alive but silent (seen 2026-12-03: `lab up` waited 120 s on an empty serial
 * console). Nested KVM without MSR 0x10a fails at start instead, with QEMU's own error.
 */
export async function usableAccel(host: Host): Promise<'kvm' | 'tcg'> {
  const device = await host.run(['test', '-r', '/dev/kvm', '-a', '-w', '/dev/kvm'], { allowFailure: true });
  if (device.exitCode !== 0) return 'tcg';
  const cpu = parseCpuinfo(await host.readFile('/proc/cpuinfo').catch(() => undefined));
  return cpu?.virtFlag === undefined ? 'tcg' : 'kvm';
}
