import type { Host } from '../host/host.ts';

/**
 * The accelerator to ask for on a host: KVM when /dev/kvm is there and read-writable, else TCG.
 * launchGuest then checks with QMP query-kvm what QEMU really runs and fails on a mismatch, so a
 * run never silently falls back; RunningGuest.accel is what reports print. (A /dev/kvm that opens
 * but fails — nested KVM without MSR 0x10a, see vm-images/README.md "KVM" — shows up as QEMU's
 * own error from launchGuest.)
 */
export async function usableAccel(host: Host): Promise<'kvm' | 'tcg'> {
  const r = await host.run(['test', '-r', '/dev/kvm', '-a', '-w', '/dev/kvm'], { allowFailure: true });
  return r.exitCode === 0 ? 'kvm' : 'tcg';
}
