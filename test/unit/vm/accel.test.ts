import assert from 'node:assert/strict';
import type { Host, RunResult } from '../../../harness/host/host.ts';
import { usableAccel } from '../../../harness/vm/accel.ts';

/** A host whose /dev/kvm test answers `kvmRw` and whose /proc/cpuinfo is `cpuinfo` (undefined: unreadable). */
function hostWith(kvmRw: boolean, cpuinfo: string | undefined): Host {
  const run = async (argv: readonly string[]): Promise<RunResult> => {
    assert.deepEqual(argv, ['test', '-r', '/dev/kvm', '-a', '-w', '/dev/kvm']);
    return { argv, exitCode: kvmRw ? 0 : 1, stdout: '', stderr: '', durationMs: 1 };
  };
  const readFile = async (path: string): Promise<string> => {
    assert.equal(path, '/proc/cpuinfo');
    if (cpuinfo === undefined) throw new Error('EACCES');
    return cpuinfo;
  };
  return { name: 'fake', run, readFile } as unknown as Host;
}

const INTEL_VMX = 'processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme vmx sse\n';
const AMD_SVM = 'processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu svm sse\n';
// This machine's CPU (2026-12-03): a /dev/kvm that opens, no vmx: QEMU stops on "KVM internal error".
const NO_VIRT = 'processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu vme sse sse2 hypervisor\n';

describe('usableAccel: KVM only with a read-writable /dev/kvm and VT-x or AMD-V', () => {
  it('picks KVM with /dev/kvm and vmx or svm', async () => {
    assert.equal(await usableAccel(hostWith(true, INTEL_VMX)), 'kvm');
    assert.equal(await usableAccel(hostWith(true, AMD_SVM)), 'kvm');
  });
  it('picks TCG when /dev/kvm opens but the CPU has neither vmx nor svm (paravirtual KVM)', async () => {
    assert.equal(await usableAccel(hostWith(true, NO_VIRT)), 'tcg');
  });
  it('picks TCG without a usable /dev/kvm, or when /proc/cpuinfo cannot be read', async () => {
    assert.equal(await usableAccel(hostWith(false, INTEL_VMX)), 'tcg');
    assert.equal(await usableAccel(hostWith(true, undefined)), 'tcg');
  });
});
