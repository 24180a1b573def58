import assert from 'node:assert/strict';
import { labShell, sharedLab } from '../support/shared-lab.ts';

/**
 * Boots the virtual lab host (real QEMU, real Debian kernel) and proves, from inside it, what the
 * rest of passbench relies on: IOMMU + interrupt remapping, IOMMU groups, the igb PF and its VFs,
 * and the controller's tools over the shared /usr. Writes to sysfs happen INSIDE the lab VM only.
 */
describe('virtual lab host', function () {
  this.timeout(300_000);
  const sh = (script: string, timeoutMs = 60_000) => labShell(script, timeoutMs);

  before(async () => {
    const { state } = await sharedLab();
    console.error(`      lab: accel=${state.accel}, ssh after ${state.sshReadyMs} ms`);
  });

  it('has the IOMMU on with interrupt remapping, and populated IOMMU groups', async () => {
    const dmesg = await sh('dmesg');
    assert.match(dmesg, /DMAR: IOMMU enabled/);
    assert.match(dmesg, /DMAR-IR: Enabled IRQ remapping/);
    const groups = (await sh('ls /sys/kernel/iommu_groups')).trim().split(/\s+/);
    assert.ok(groups.length >= 5, `expected IOMMU groups, found ${groups.join(' ')}`);
  });

  it('shows the igb PF (8086:10c9) and the e1000 with their drivers', async () => {
    const lspci = await sh('lspci -nn -k');
    assert.match(lspci, /\[8086:10c9\][^\n]*\n(?:\t[^\n]*\n)*?\tKernel driver in use: igb/);
    assert.match(lspci, /\[8086:100e\][^\n]*\n(?:\t[^\n]*\n)*?\tKernel driver in use: e1000/);
  });

  it('creates SR-IOV VFs (8086:10ca) in their own IOMMU groups, and removes them', async () => {
    const pf = (await sh("for d in /sys/bus/pci/devices/*; do [ \"$(cat $d/device)\" = 0x10c9 ] && basename $d; done; true")).trim().split('\n')[0];
    assert.ok(pf, 'no igb PF found');
    const pfPath = `/sys/bus/pci/devices/${pf}`;
    assert.equal((await sh(`cat ${pfPath}/sriov_totalvfs`)).trim(), '7');
    await sh(`echo 2 > ${pfPath}/sriov_numvfs`);
    try {
      const vfs = (await sh(`for f in ${pfPath}/virtfn*; do v=$(readlink -f $f); echo "$(basename $v) $(cat $v/device) $(basename $(readlink $v/iommu_group))"; done`))
        .trim().split('\n').map((l) => l.split(' '));
      assert.equal(vfs.length, 2);
      for (const [, dev] of vfs) assert.equal(dev, '0x10ca');
      assert.notEqual(vfs[0]?.[2], vfs[1]?.[2], 'VFs share an IOMMU group');
    } finally {
      await sh(`echo 0 > ${pfPath}/sriov_numvfs`);
    }
    assert.equal((await sh(`ls ${pfPath} | grep -c virtfn || true`)).trim(), '0');
  });

  it('carries traffic: a VF and the PF each ping the e1000e peer port across the hub', async () => {
    // igb PFs, VFs and the e1000e peer share QEMU hub 1. The peer moves into its own network
    // namespace (with its lab address 10.0.3.10) so the pings really cross the hub; afterwards it
    // gets back the addresses lab-init.sh gave it (10.0.3.10 and 10.0.3.2) for the tests after this.
    const out = await sh(`
      pf=$(for d in /sys/bus/pci/devices/*; do [ "$(cat $d/device)" = 0x10c9 ] && basename $d; done | head -n1)
      peer=$(for d in /sys/bus/pci/devices/*; do [ "$(cat $d/device)" = 0x10d3 ] && basename $d; done | head -n1)
      pfif=$(ls /sys/bus/pci/devices/$pf/net); peerif=$(ls /sys/bus/pci/devices/$peer/net)
      mkdir -p /run/netns; ip netns add peer; ip link set $peerif netns peer
      ip -n peer addr add 10.0.3.10/24 dev $peerif; ip -n peer link set $peerif up
      ip link set $pfif up
      echo 1 > /sys/bus/pci/devices/$pf/sriov_numvfs
      for i in $(seq 1 40); do ls /sys/bus/pci/devices/$pf/virtfn0/net >/dev/null 2>&1 && break; sleep 0.25; done
      vfif=$(ls /sys/bus/pci/devices/$pf/virtfn0/net)
      ip addr add 10.0.3.20/24 dev $vfif; ip link set $vfif up
      for i in $(seq 1 60); do [ "$(cat /sys/class/net/$vfif/carrier 2>/dev/null)" = 1 ] && break; sleep 0.5; done
      echo "vf-ping: $(busybox ping -c 3 -W 2 10.0.3.10 | grep -o '[0-9]* packets received')"
      ip addr del 10.0.3.20/24 dev $vfif
      echo 0 > /sys/bus/pci/devices/$pf/sriov_numvfs
      ip addr add 10.0.3.20/24 dev $pfif
      sleep 1
      echo "pf-ping: $(busybox ping -c 3 -W 2 10.0.3.10 | grep -o '[0-9]* packets received')"
      ip addr del 10.0.3.20/24 dev $pfif
      ip netns del peer
      for i in $(seq 1 20); do [ -e /sys/class/net/$peerif ] && break; sleep 0.25; done
      ip link set $peerif up; ip addr add 10.0.3.10/24 dev $peerif; ip addr add 10.0.3.2/24 dev $peerif
      true`, 120_000);
    assert.match(out, /vf-ping: 3 packets received/, out);
    assert.match(out, /pf-ping: 3 packets received/, out);
  });

  it('offers KVM to nested guests (its emulated CPU has SVM, its kernel a /dev/kvm), and runs them under TCG by default', async () => {
    const { state } = await sharedLab();
    assert.match(await sh('grep -c -w svm /proc/cpuinfo'), /^[1-9]/);
    assert.match(await sh('ls -l /dev/kvm'), /^c/);
    assert.equal(state.guestAccel, 'tcg');
  });

  it('runs the controller\'s qemu-system-x86_64 and iperf3 from the shared /usr', async () => {
    assert.match(await sh('qemu-system-x86_64 --version'), /QEMU emulator version 10\./);
    assert.match(await sh('iperf3 --version'), /iperf 3\./);
  });
});
