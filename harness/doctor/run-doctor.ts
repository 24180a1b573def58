import type { Host } from '../host/host.ts';
import { checkAccelerator, checkCpuVirtualization, checkInterruptRemapping, checkIommuEnabled, checkIommuHardware,
  checkKvmDevice, checkQemu, checkVfioModules, type CheckResult } from './checks.ts';
import { checkDeviceGroup } from './device-checks.ts';
import { gatherHostFacts, type DeviceOptions, type HostFacts } from './facts.ts';

export interface DoctorReport {
  host: string;
  /** peer: a traffic peer, checked only for what a run needs of it (no accelerator, no passthrough). */
  role?: 'peer';
  accelerator: 'kvm' | 'tcg';
  checks: CheckResult[];
  /** False when any check FAILs. */
  fit: boolean;
}

/** Pure: grades gathered facts. */
export function gradeFacts(host: string, facts: HostFacts): DoctorReport {
  const checks = [
    checkCpuVirtualization(facts),
    checkKvmDevice(facts),
    checkAccelerator(facts),
    checkIommuHardware(facts),
    checkIommuEnabled(facts),
    checkInterruptRemapping(facts),
    ...checkVfioModules(facts),
    checkQemu(facts),
    ...checkDeviceGroup(facts),
  ];
  return {
    host,
    accelerator: facts.cpu?.virtFlag && facts.kvm.openable ? 'kvm' : 'tcg',
    checks,
    fit: checks.every((c) => c.grade !== 'FAIL'),
  };
}

export async function runDoctor(host: Host, options: DeviceOptions = {}): Promise<DoctorReport> {
  return gradeFacts(host.name, await gatherHostFacts(host, options));
}

/** virt-host-validate style: `QEMU: Checking for ...   : PASS`, the finding and remedy indented. */
export function formatDoctorReport(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.title.length));
  const lines = [`passbench doctor on ${report.host}${report.role === 'peer' ? ' (a traffic peer)' : ''}`];
  for (const c of report.checks) {
    lines.push(`  ${c.title.padEnd(width, ' ')} : ${c.grade} (${c.detail})`);
    if (c.remedy && c.grade !== 'PASS') lines.push(`      what to do: ${c.remedy}`);
  }
  const failed = report.checks.filter((c) => c.grade === 'FAIL').length;
  const warned = report.checks.filter((c) => c.grade === 'WARN').length;
  const counts = `${report.checks.length} checks: ${report.checks.length - failed - warned} passed, ${warned} warnings, ${failed} failed`;
  // A peer has no accelerator to speak of, and a host that did not answer none that is known.
  if (report.role === 'peer' || report.checks.every((c) => c.id === 'reach')) {
    lines.push('', `${counts}${report.fit ? '.' : ` - this ${report.role === 'peer' ? 'peer cannot serve a run' : 'host could not be checked'}.`}`);
    return lines.join('\n');
  }
  lines.push('', `Accelerator: ${report.accelerator === 'kvm' ? 'KVM' : 'TCG only (no KVM)'}. ` +
    `${report.checks.length} checks: ${report.checks.length - failed - warned} passed, ${warned} warnings, ${failed} failed` +
    `${report.fit ? '.' : ' - this host is not fit for passthrough tests.'}`);
  return lines.join('\n');
}
