import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { DoctorReport } from '../../../harness/doctor/run-doctor.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/passbench.js');
const passbench = (...args: string[]) => execa('node', [BIN, ...args], { reject: false });

/** These build machines have no hardware virtualization and no IOMMU (LAB-FACTS.md). */
describe('cli doctor on this machine', () => {
  it('exits 3 and names the missing KVM and IOMMU with remedies', async () => {
    const run = await passbench('doctor');
    assert.equal(run.exitCode, 3, run.stderr);
    assert.match(run.stdout, /Checking for hardware virtualization\s+: FAIL/);
    assert.match(run.stdout, /Checking if IOMMU is enabled by kernel\s+: FAIL/);
    assert.match(run.stdout, /what to do: .*_iommu=on.*GRUB_CMDLINE_LINUX_DEFAULT.*update-grub.*reboot/);
    assert.match(run.stdout, /Accelerator: TCG only \(no KVM\)/);
  });

  it('--json gives every check a grade and every failure a remedy', async () => {
    const run = await passbench('doctor', '--json');
    assert.equal(run.exitCode, 3, run.stderr);
    const report = JSON.parse(run.stdout) as DoctorReport;
    assert.equal(report.fit, false);
    assert.equal(report.accelerator, 'tcg');
    for (const c of report.checks) {
      assert.match(c.grade, /^(PASS|WARN|FAIL)$/);
      if (c.grade !== 'PASS') assert.ok(c.remedy, `${c.id} has no remedy`);
    }
  });

  it('rejects a malformed or unknown --device with exit 2', async () => {
    const bad = await passbench('doctor', '--device', '3:00.0');
    assert.equal(bad.exitCode, 2);
    const unknown = await passbench('doctor', '--device', '0000:7f:1f.7');
    assert.equal(unknown.exitCode, 2);
    assert.match(unknown.stderr, /no PCI device 0000:7f:1f\.7.*\n.*passbench devices --all/);
  });
});
