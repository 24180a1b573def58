import assert from 'node:assert/strict';
import { UsageError } from '../../../harness/errors.ts';
import { labQemuArgs, type LabQemuOptions } from '../../../harness/lab/lab-qemu-args.ts';

const base: LabQemuOptions = {
  kernel: '/cache/vmlinuz', initrd: '/cache/initrd.cpio.gz', accel: 'tcg', sshPort: 40022,
  hostKeyFile: '/run/lab/host_key', authorizedKeysFile: '/run/lab/authorized_keys',
  serialLog: '/run/lab/serial.log', qmpSocket: '/run/lab/qmp.sock',
};

/** The value that follows each occurrence of a flag. */
const values = (argv: string[], flag: string) => argv.flatMap((a, i) => (a === flag ? [argv[i + 1] ?? ''] : []));

describe('lab/lab-qemu-args', () => {
  it('builds a q35 lab host with an interrupt-remapping IOMMU, an SR-IOV igb, an e1000 and SSH on loopback', () => {
    const argv = labQemuArgs(base);
    assert.ok(values(argv, '-machine').some((m) => m.startsWith('q35') && m.includes('kernel-irqchip=split')));
    const devices = values(argv, '-device');
    assert.ok(devices.some((d) => d.startsWith('intel-iommu') && d.includes('intremap=on') && d.includes('caching-mode=on')), devices.join('\n'));
    assert.ok(devices.some((d) => d.startsWith('igb,')), 'no igb');
    assert.ok(devices.some((d) => d.startsWith('e1000,')), 'no e1000');
    assert.ok(values(argv, '-netdev').some((n) => n.includes('hostfwd=tcp:127.0.0.1:40022-:22')));
    assert.match(values(argv, '-append')[0] ?? '', /intel_iommu=on/);
    assert.deepEqual(values(argv, '-accel').map((a) => a.split(',')[0]), ['tcg']);
  });

  it('gives TCG a 256 MiB translation buffer unless told otherwise (QEMU\'s 1 GiB fills with stale nested-guest code), KVM none', () => {
    assert.deepEqual(values(labQemuArgs(base), '-accel'), ['tcg,thread=multi,tb-size=256']);
    assert.deepEqual(values(labQemuArgs({ ...base, tbSizeMiB: 1024 }), '-accel'), ['tcg,thread=multi,tb-size=1024']);
    assert.deepEqual(values(labQemuArgs({ ...base, accel: 'kvm' }), '-accel'), ['kvm']);
    assert.throws(() => labQemuArgs({ ...base, tbSizeMiB: 8 }), UsageError);
  });

  it('puts two igb PFs in slots 3 apart (their VF slots must not overlap) and shares only the guest image folder, read-only', () => {
    const argv = labQemuArgs({ ...base, igbCount: 2, shareImages: '/cache/guest' });
    const igbs = values(argv, '-device').filter((d) => d.startsWith('igb,'));
    assert.deepEqual(igbs.map((d) => /addr=([0-9a-f]+)\.0/.exec(d)?.[1]), ['1', '4']);
    const shares = values(argv, '-virtfs').filter((v) => v.includes('mount_tag=passbench_images'));
    assert.equal(shares.length, 1);
    assert.match(shares[0]!, /^local,path=\/cache\/guest,.*readonly=on/);
    assert.ok(!labQemuArgs(base).some((a) => a.includes('passbench_images')));
    assert.throws(() => labQemuArgs({ ...base, shareImages: '/a,b' }), UsageError);
  });

  it('joins the traffic host\'s cable to the test hub (hub 1) only when asked, by datagram sockets', () => {
    assert.ok(!values(labQemuArgs(base), '-netdev').some((n) => n.startsWith('dgram')));
    const argv = labQemuArgs({ ...base, cable: { localPath: '/run/lab/traffic/cable-lab.sock', remotePath: '/run/lab/traffic/cable-traffic.sock' } });
    const netdevs = values(argv, '-netdev');
    assert.ok(netdevs.includes('dgram,id=cable0,local.type=unix,local.path=/run/lab/traffic/cable-lab.sock,remote.type=unix,remote.path=/run/lab/traffic/cable-traffic.sock'), netdevs.join('\n'));
    assert.ok(netdevs.includes('hubport,id=cableport,hubid=1,netdev=cable0'), netdevs.join('\n'));
    assert.throws(() => labQemuArgs({ ...base, cable: { localPath: '/run/a,b.sock', remotePath: '/run/c.sock' } }), /cannot carry/);
  });

  it('applies the QEMU 10.0.2 VF BAR workaround by default, and drops it when asked', () => {
    assert.ok(values(labQemuArgs(base), '-global').includes('q35-pcihost.pci-hole64-size=0'));
    assert.ok(!values(labQemuArgs({ ...base, vfBarWorkaround: false }), '-global').includes('q35-pcihost.pci-hole64-size=0'));
  });

  it('uses KVM (with -cpu host) when told to', () => {
    const argv = labQemuArgs({ ...base, accel: 'kvm', cpuModel: 'max,-avx2' });
    assert.deepEqual(values(argv, '-accel').map((a) => a.split(',')[0]), ['kvm']);
    assert.deepEqual(values(argv, '-cpu'), ['host']);
  });

  it('takes a TCG CPU model (default max) and refuses one that is not a -cpu value', () => {
    assert.deepEqual(values(labQemuArgs(base), '-cpu'), ['max']);
    assert.deepEqual(values(labQemuArgs({ ...base, cpuModel: 'max,-avx,-avx2' }), '-cpu'), ['max,-avx,-avx2']);
    assert.throws(() => labQemuArgs({ ...base, cpuModel: 'max -s' }), /lab CPU model "max -s" is not a QEMU -cpu value/);
  });

  for (const [field, value] of [['kernel', '/a,b/vmlinuz'], ['serialLog', '/tmp/x y.log'], ['qmpSocket', '/tmp/q,server=off']] as const) {
    it(`refuses a ${field} QEMU would split into options (${JSON.stringify(value)})`, () => {
      assert.throws(() => labQemuArgs({ ...base, [field]: value }), (e: unknown) => e instanceof UsageError && e.message.includes(JSON.stringify(value)));
    });
  }

  it('refuses an out-of-range port', () => {
    assert.throws(() => labQemuArgs({ ...base, sshPort: 70000 }), /sshPort must be an integer from 1 to 65535, not 70000/);
  });
});
