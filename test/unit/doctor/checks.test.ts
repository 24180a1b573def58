import assert from 'node:assert/strict';
import type { HostFacts } from '../../../harness/doctor/facts.ts';
import { parseCpuinfo } from '../../../harness/host/cpuinfo.ts';
import { formatDoctorReport, gradeFacts } from '../../../harness/doctor/run-doctor.ts';

/** A healthy Intel lab host; each test breaks one thing. */
function goodFacts(over: Partial<HostFacts> = {}): HostFacts {
  return {
    cpu: { vendor: 'intel', virtFlag: 'vmx' },
    kvm: { exists: true, openable: true },
    kvmModules: ['kvm', 'kvm_intel'],
    dmesg: 'DMAR: IOMMU enabled\nDMAR-IR: Enabled IRQ remapping in x2apic mode\n',
    cmdline: 'BOOT_IMAGE=/vmlinuz root=/dev/sda1 intel_iommu=on iommu=pt',
    iommuUnits: ['dmar0'],
    iommuGroupCount: 24,
    modules: { vfio: 'loaded', vfio_pci: 'available', vfio_iommu_type1: 'loaded' },
    qemu: { version: '8.2.2' },
    ...over,
  };
}

const grades = (f: HostFacts) => Object.fromEntries(gradeFacts('lab1', f).checks.map((c) => [c.id, c.grade]));
const check = (f: HostFacts, id: string) => gradeFacts('lab1', f).checks.find((c) => c.id === id)!;


describe('doctor/checks', () => {
  it('passes a healthy KVM host, accelerator KVM', () => {
    const report = gradeFacts('lab1', goodFacts());
    assert.equal(report.fit, true);
    assert.equal(report.accelerator, 'kvm');
    assert.deepEqual(report.checks.filter((c) => c.grade !== 'PASS'), []);
  });

  it('fails without vmx/svm and without /dev/kvm, and says only TCG is left', () => {
    const f = goodFacts({ cpu: { vendor: 'amd' }, kvm: { exists: false, openable: false }, kvmModules: [] });
    const report = gradeFacts('lab1', f);
    assert.equal(report.fit, false);
    assert.equal(report.accelerator, 'tcg');
    assert.equal(check(f, 'cpu-virt').grade, 'FAIL');
    assert.match(check(f, 'kvm-device').remedy!, /modprobe kvm_amd/);
    assert.equal(check(f, 'accelerator').grade, 'WARN');
    assert.match(check(f, 'accelerator').detail, /TCG/);
  });

  it('tells a permission problem on /dev/kvm apart from a missing one', () => {
    const f = goodFacts({ kvm: { exists: true, openable: false, error: 'Permission denied' } });
    assert.equal(check(f, 'kvm-device').grade, 'FAIL');
    assert.match(check(f, 'kvm-device').remedy!, /kvm group/);
  });

  it('fails the IOMMU with the GRUB remedy for the CPU vendor', () => {
    const f = goodFacts({ cpu: { vendor: 'amd', virtFlag: 'svm' }, dmesg: '', iommuUnits: [], iommuGroupCount: 0, cmdline: 'root=/dev/sda1' });
    assert.equal(check(f, 'iommu-hardware').grade, 'FAIL');
    const enabled = check(f, 'iommu-enabled');
    assert.equal(enabled.grade, 'FAIL');
    assert.match(enabled.remedy!, /amd_iommu=on.*GRUB_CMDLINE_LINUX_DEFAULT.*\/etc\/default\/grub.*update-grub.*reboot/);
    assert.match(check(goodFacts({ iommuGroupCount: 0 }), 'iommu-enabled').remedy!, /intel_iommu=on/);
    // An emulated Intel IOMMU under an AMD CPU (the virtual lab): the IOMMU decides the parameter.
    const mixed = goodFacts({ cpu: { vendor: 'amd', virtFlag: 'svm' }, iommuGroupCount: 0, cmdline: '' });
    assert.match(check(mixed, 'iommu-enabled').remedy!, /`intel_iommu=on/);
  });

  it('grades interrupt remapping PASS from dmesg or ecap, WARN when unknown or unsupported', () => {
    assert.equal(grades(goodFacts())['interrupt-remapping'], 'PASS');
    assert.equal(grades(goodFacts({ dmesg: 'AMD-Vi: Interrupt remapping enabled' }))['interrupt-remapping'], 'PASS');
    assert.equal(grades(goodFacts({ dmesg: undefined, dmesgError: 'Operation not permitted', intelIrCapable: true }))['interrupt-remapping'], 'PASS');
    const unknown = check(goodFacts({ dmesg: undefined, dmesgError: 'Operation not permitted' }), 'interrupt-remapping');
    assert.equal(unknown.grade, 'WARN');
    assert.match(unknown.detail, /unknown/);
    assert.match(check(goodFacts({ dmesg: '', intelIrCapable: false }), 'interrupt-remapping').detail, /does not support/);
  });

  it('fails a missing vfio module, passes a loadable one', () => {
    const f = goodFacts({ modules: { vfio: 'loaded', vfio_pci: 'missing', vfio_iommu_type1: 'available' } });
    const g = grades(f);
    assert.equal(g['module-vfio_pci'], 'FAIL');
    assert.equal(g['module-vfio_iommu_type1'], 'PASS');
    assert.equal(gradeFacts('lab1', f).fit, false);
  });

  it('fails without QEMU; warns on 10.0.x before 10.0.13 (SR-IOV VF BAR bug)', () => {
    assert.equal(check(goodFacts({ qemu: { error: 'not found' } }), 'qemu').grade, 'FAIL');
    assert.equal(check(goodFacts({ qemu: { version: '10.0.2' } }), 'qemu').grade, 'WARN');
    assert.equal(check(goodFacts({ qemu: { version: '10.0.13' } }), 'qemu').grade, 'PASS');
  });

  it('formats like virt-host-validate, remedies under failures', () => {
    const text = formatDoctorReport(gradeFacts('lab1', goodFacts({ iommuGroupCount: 0 })));
    assert.match(text, /Checking if IOMMU is enabled by kernel\s+: FAIL \(/);
    assert.match(text, /what to do: .*intel_iommu=on/);
    assert.match(text, /Accelerator: KVM/);
  });

  it('parses vendor and virtualization flag from /proc/cpuinfo', () => {
    assert.deepEqual(parseCpuinfo('vendor_id\t: GenuineIntel\nflags\t\t: fpu vme vmx sse\n'), { vendor: 'intel', virtFlag: 'vmx' });
    assert.deepEqual(parseCpuinfo('vendor_id\t: AuthenticAMD\nflags\t\t: fpu sse\n'), { vendor: 'amd', virtFlag: undefined });
  });
});
