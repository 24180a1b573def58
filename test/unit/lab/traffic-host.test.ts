import assert from 'node:assert/strict';
import { trafficHostPaths, trafficHostQemuArgs } from '../../../harness/lab/traffic-host.ts';

const values = (argv: string[], flag: string) => argv.flatMap((a, i) => (a === flag ? [argv[i + 1] ?? ''] : []));

describe('lab/traffic-host: the virtual lab\'s traffic host (issue 13)', () => {
  const paths = trafficHostPaths('/cache/lab/run/nightly');
  const argv = trafficHostQemuArgs({ accel: 'tcg', kernel: '/cache/guest/g.vmlinux', initrd: '/cache/guest/g.initrd', sshPort: 40100, paths,
    fwCfg: [{ name: 'authorized_keys', file: `${paths.dir}/authorized_keys` }] });

  it('boots passbench\'s guest image (PVH, qboot under TCG) daemonized, with its own pid file and serial log', () => {
    assert.deepEqual(values(argv, '-kernel'), ['/cache/guest/g.vmlinux']);
    assert.deepEqual(values(argv, '-bios'), ['qboot.rom']);
    assert.deepEqual(values(argv, '-pidfile'), ['/cache/lab/run/nightly/traffic/qemu.pid']);
    assert.ok(argv.includes('-daemonize'));
    assert.deepEqual(values(argv, '-serial'), ['file:/cache/lab/run/nightly/traffic/serial.log']);
    assert.deepEqual(values(argv, '-fw_cfg'), ['name=opt/passbench/authorized_keys,file=/cache/lab/run/nightly/traffic/authorized_keys']);
  });

  it('has its test port on the cable (the lab binds the other end) with a MAC of its own, then SSH on a loopback port', () => {
    const netdevs = values(argv, '-netdev');
    assert.equal(netdevs[0], 'dgram,id=test,local.type=unix,local.path=/cache/lab/run/nightly/traffic/cable-traffic.sock,remote.type=unix,remote.path=/cache/lab/run/nightly/traffic/cable-lab.sock');
    assert.match(netdevs[1]!, /^user,id=mgmt,net=10\.0\.2\.0\/24,hostfwd=tcp:127\.0\.0\.1:40100-:22$/);
    // eth0 is the first NIC in PCI order: the cable. Its MAC is fixed: QEMU's default one repeats in every QEMU process.
    assert.deepEqual(values(argv, '-device'), ['virtio-net-pci,netdev=test,id=testnic,mac=52:54:00:03:00:0b,romfile=', 'virtio-net-pci,netdev=mgmt,id=mgmtnic,romfile=']);
  });
});
