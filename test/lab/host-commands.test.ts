import assert from 'node:assert/strict';
import { execa } from 'execa';
import { labShell, sharedLab, sharedLabName, SNAPSHOT } from '../support/shared-lab.ts';

/**
 * The host commands (doctor, devices, sriov, bind, restore) run against the virtual lab host over
 * SSH, exactly as a lab engineer runs them against a real one. The before/after state is read
 * independently of the harness (a shell loop over sysfs) and must be equal.
 */

describe('host commands against the virtual lab (real kernel, over SSH)', function () {
  this.timeout(600_000);
  let config = '';
  let journal = '';

  const passbench = (...args: string[]) =>
    execa('./bin/passbench.js', [...args, '--lab', config, '--host', sharedLabName], { reject: false, timeout: 300_000 });
  const byDevice = async (deviceId: string) =>
    (await labShell(`for d in /sys/bus/pci/devices/*; do [ "$(cat $d/device)" = 0x${deviceId} ] && basename $d; done; true`))
      .trim().split('\n').filter(Boolean);

  before(async () => {
    const { paths } = await sharedLab();
    config = paths.config;
    journal = `/run/passbench-test-journal.json`;
  });

  it('doctor passes IOMMU and interrupt remapping and names the accelerator the lab found for its guests', async () => {
    const r = await passbench('doctor', '--json');
    const report = JSON.parse(r.stdout) as { checks: { id: string; grade: string; title?: string; detail?: string }[]; accelerator?: string };
    const text = JSON.stringify(report);
    const grades = Object.fromEntries(report.checks.map((c) => [c.id, c.grade]));
    for (const [id, grade] of Object.entries(grades)) {
      if (/iommu|remap|vfio/i.test(id)) assert.equal(grade, 'PASS', `${id} is ${grade}: ${text}`);
    }
    assert.ok(Object.keys(grades).some((id) => /remap/i.test(id)), `no interrupt-remapping check in ${text}`);
    // The host's accelerator, read independently: KVM when kvm-amd loaded in the lab host (QEMU's
    // TCG emulates SVM) and /dev/kvm is there, TCG otherwise. (Which one the lab's guests use is the
    // lab's choice, --guest-accel; doctor reports what the host offers.)
    const kvm = (await labShell('test -c /dev/kvm && echo kvm || echo tcg')).trim();
    assert.equal(report.accelerator, kvm, text);
  });

  it('devices lists the igb PF and the e1000 with their IOMMU groups, and marks the management NIC active', async () => {
    const r = await passbench('devices', '--json');
    assert.equal(r.exitCode, 0, r.stderr);
    const devices = JSON.parse(r.stdout) as { bdf: string; vendorId: string; deviceId: string; driver?: string; iommuGroup?: number; active?: unknown }[];
    const igb = devices.find((d) => d.deviceId === '10c9');
    const e1000 = devices.find((d) => d.deviceId === '100e');
    assert.ok(igb && e1000, `igb or e1000 missing: ${r.stdout}`);
    assert.equal(igb.driver, 'igb');
    assert.equal(e1000.driver, 'e1000');
    assert.equal(typeof igb.iommuGroup, 'number');
    assert.equal(typeof e1000.iommuGroup, 'number');
    assert.match(JSON.stringify(e1000), /default-route|ssh-session/);
  });

  it('sriov creates igbvf VFs, bind moves a VF and a whole igb PF to vfio-pci, restore puts everything back', async () => {
    const before = await labShell(SNAPSHOT);
    // The lab has two igb PFs: VFs come from the first, the second is assigned whole. (The e1000e
    // carries the peer addresses, so the guard would rightly refuse it.)
    const [pf, wholeNic] = await byDevice('10c9');
    assert.ok(pf && wholeNic, 'the lab should have two igb PFs');

    const sriov = await passbench('sriov', pf, '--vfs', '2', '--journal', journal);
    assert.equal(sriov.exitCode, 0, sriov.stderr + sriov.stdout);
    const vfs = await byDevice('10ca');
    assert.equal(vfs.length, 2, `expected 2 VFs, found ${vfs.join(' ')}`);
    assert.match(await labShell(`basename $(readlink /sys/bus/pci/devices/${vfs[0]}/driver)`), /igbvf/);

    const bind = await passbench('bind', vfs[0]!, wholeNic, '--journal', journal);
    assert.equal(bind.exitCode, 0, bind.stderr + bind.stdout);
    for (const bdf of [vfs[0]!, wholeNic]) {
      assert.equal((await labShell(`basename $(readlink /sys/bus/pci/devices/${bdf}/driver)`)).trim(), 'vfio-pci', bdf);
      const group = (await labShell(`basename $(readlink /sys/bus/pci/devices/${bdf}/iommu_group)`)).trim();
      assert.equal((await labShell(`test -e /dev/vfio/${group} && echo yes`)).trim(), 'yes', `/dev/vfio/${group}`);
    }

    const restore = await passbench('restore', '--journal', journal);
    assert.equal(restore.exitCode, 0, restore.stderr + restore.stdout);
    assert.equal(await labShell(SNAPSHOT), before);
    const again = await passbench('restore', '--journal', journal);
    assert.equal(again.exitCode, 0, `a second restore must be harmless: ${again.stderr}`);
    assert.equal(await labShell(SNAPSHOT), before);
  });

  it('refuses to bind the management e1000 (default route, SSH session) and changes nothing', async () => {
    const before = await labShell(SNAPSHOT);
    const [e1000] = await byDevice('100e');
    const r = await passbench('bind', e1000!, '--journal', journal);
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, /default route|SSH/i);
    assert.equal(await labShell(SNAPSHOT), before);
  });
});
