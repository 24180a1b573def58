import assert from 'node:assert/strict';
import { UsageError } from '../../../harness/errors.ts';
import { parseBdf } from '../../../harness/pci/bdf.ts';
import { guestQemuArgs, type GuestSpec } from '../../../harness/vm/qemu-args.ts';
import { qemuVersion } from '../../../harness/vm/qemu-version.ts';

const base: GuestSpec = {
  name: 'pb-guest-1', accel: 'tcg', memoryMiB: 1024, cpus: 2,
  boot: { kind: 'iso', iso: '/cache/guest.iso' },
  qmpSocket: '/run/pb/qmp.sock', serialLog: '/run/pb/serial.log',
};

/** The value that follows each occurrence of a flag. */
const values = (argv: string[], flag: string) => argv.flatMap((a, i) => (a === flag ? [argv[i + 1] ?? ''] : []));

const usageErrorNaming = (field: string, value: string) => (e: unknown) =>
  e instanceof UsageError && e.message.includes(field) && e.message.includes(JSON.stringify(value));

describe('vm/qemu-args', () => {
  it('builds a minimal TCG guest booting an ISO with QMP, serial log and no defaults', () => {
    const argv = guestQemuArgs(base);
    assert.equal(argv[0], 'qemu-system-x86_64');
    assert.deepEqual(values(argv, '-name'), ['pb-guest-1']);
    assert.deepEqual(values(argv, '-accel'), ['tcg']);
    assert.deepEqual(values(argv, '-cpu'), ['max']);
    assert.deepEqual(values(argv, '-m'), ['1024']);
    assert.deepEqual(values(argv, '-smp'), ['2']);
    assert.deepEqual(values(argv, '-cdrom'), ['/cache/guest.iso']);
    assert.deepEqual(values(argv, '-boot'), ['d']);
    assert.deepEqual(values(argv, '-qmp'), ['unix:/run/pb/qmp.sock,server=on,wait=off']);
    assert.deepEqual(values(argv, '-serial'), ['file:/run/pb/serial.log']);
    assert.deepEqual(values(argv, '-display'), ['none']);
    for (const flag of ['-nodefaults', '-no-user-config']) assert.ok(argv.includes(flag), flag);
    assert.deepEqual(values(argv, '-device'), []);
    assert.deepEqual(values(argv, '-pidfile'), []);
  });

  it('uses -accel kvm -cpu host for KVM', () => {
    const argv = guestQemuArgs({ ...base, accel: 'kvm' });
    assert.deepEqual([values(argv, '-accel'), values(argv, '-cpu')], [['kvm'], ['host']]);
  });

  it('takes a CPU model with features, and refuses anything else in -cpu', () => {
    assert.deepEqual(values(guestQemuArgs({ ...base, cpuModel: 'max,-la57,+avx2,l3-cache=on' }), '-cpu'), ['max,-la57,+avx2,l3-cache=on']);
    for (const bad of ['max -s', 'max,,x', 'max,-la57 ', '-cpu']) {
      assert.throws(() => guestQemuArgs({ ...base, cpuModel: bad }), (e: unknown) =>
        e instanceof UsageError && e.message === `cpuModel ${JSON.stringify(bad)} is not a QEMU -cpu value`);
    }
  });

  it('boots a kernel with its initrd and command line', () => {
    const argv = guestQemuArgs({ ...base, boot: { kind: 'kernel', kernel: '/k/vmlinuz', initrd: '/k/initrd.gz', append: ['console=ttyS0', 'quiet'] } });
    assert.deepEqual([values(argv, '-kernel'), values(argv, '-initrd'), values(argv, '-append')], [['/k/vmlinuz'], ['/k/initrd.gz'], ['console=ttyS0 quiet']]);
    assert.deepEqual(values(argv, '-cdrom'), []);
    assert.deepEqual(values(argv, '-bios'), [], 'SeaBIOS (no -bios) unless qboot is asked for');
  });

  it('boots a kernel through qboot when asked (QEMU finds qboot.rom in its data directory)', () => {
    const argv = guestQemuArgs({ ...base, boot: { kind: 'kernel', kernel: '/k/vmlinux', initrd: '/k/initrd', firmware: 'qboot' } });
    assert.deepEqual(values(argv, '-bios'), ['qboot.rom']);
    assert.deepEqual(values(argv, '-kernel'), ['/k/vmlinux']);
  });

  it('boots a cloud image from its overlay disk, the seed as a second, read-only virtio disk', () => {
    const argv = guestQemuArgs({ ...base, boot: { kind: 'disk' }, drives: [{ file: '/run/g/disk.qcow2', format: 'qcow2' }, { file: '/run/g/seed.iso', format: 'raw', readOnly: true }] });
    assert.deepEqual(values(argv, '-drive'), ['file=/run/g/disk.qcow2,if=virtio,format=qcow2', 'file=/run/g/seed.iso,if=virtio,format=raw,readonly=on']);
    assert.deepEqual(values(argv, '-boot'), ['c']);
    assert.deepEqual([values(argv, '-kernel'), values(argv, '-cdrom')], [[], []]);
  });

  it('boots an image\'s own kernel with its root on the overlay disk', () => {
    const argv = guestQemuArgs({ ...base, boot: { kind: 'kernel', kernel: '/i/vmlinuz', initrd: '/i/initrd', append: ['root=/dev/vda'] }, drives: [{ file: '/run/g/disk.qcow2', format: 'qcow2' }] });
    assert.deepEqual([values(argv, '-kernel'), values(argv, '-drive'), values(argv, '-boot')], [['/i/vmlinuz'], ['file=/run/g/disk.qcow2,if=virtio,format=qcow2'], []]);
  });

  it('assigns any number of vfio-pci devices with ids hostdev0.. and optional romfile', () => {
    const argv = guestQemuArgs({
      ...base,
      vfio: [{ host: parseBdf('0000:03:00.0') }, { host: parseBdf('0000:03:10.1'), romfile: '' }, { host: parseBdf('0000:04:00.0'), romfile: '/roms/x.rom' }],
    });
    assert.deepEqual(values(argv, '-device'), [
      'vfio-pci,host=0000:03:00.0,id=hostdev0',
      'vfio-pci,host=0000:03:10.1,id=hostdev1,romfile=',
      'vfio-pci,host=0000:04:00.0,id=hostdev2,romfile=/roms/x.rom',
    ]);
  });

  it('adds an e1000 on user-net with port forwards bound to loopback by default', () => {
    const argv = guestQemuArgs({
      ...base,
      nic: { model: 'e1000', mac: '52:54:00:12:34:56', netdev: { kind: 'user', hostForwards: [{ hostPort: 40022, guestPort: 22 }, { protocol: 'udp', hostAddress: '0.0.0.0', hostPort: 5201, guestPort: 5201 }] } },
    });
    assert.deepEqual(values(argv, '-netdev'), ['user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22,hostfwd=udp:0.0.0.0:5201-:5201']);
    assert.deepEqual(values(argv, '-device'), ['e1000,netdev=net0,id=net0nic,mac=52:54:00:12:34:56,romfile=']);
  });

  it('adds virtio-net on a tap (no ifup scripts) or a socket', () => {
    const tap = guestQemuArgs({ ...base, nic: { model: 'virtio-net-pci', netdev: { kind: 'tap', ifname: 'pbtap0' } } });
    assert.deepEqual(values(tap, '-netdev'), ['tap,id=net0,ifname=pbtap0,script=no,downscript=no']);
    const vhost = guestQemuArgs({ ...base, nic: { model: 'virtio-net-pci', netdev: { kind: 'tap', ifname: 'pbtap0', vhost: true } } });
    assert.deepEqual(values(vhost, '-netdev'), ['tap,id=net0,ifname=pbtap0,script=no,downscript=no,vhost=on']);
    const cable = guestQemuArgs({ ...base, nic: { model: 'virtio-net-pci', netdev: { kind: 'dgram', localPath: '/run/a.sock', remotePath: '/run/b.sock' } } });
    assert.deepEqual(values(cable, '-netdev'), ['dgram,id=net0,local.type=unix,local.path=/run/a.sock,remote.type=unix,remote.path=/run/b.sock']);
    assert.ok(values(tap, '-device')[0]?.startsWith('virtio-net-pci,netdev=net0,'));
    const sock = guestQemuArgs({ ...base, nic: { model: 'e1000', id: 'peer', netdev: { kind: 'socket', mode: 'connect', address: '127.0.0.1', port: 1234 } } });
    assert.deepEqual(values(sock, '-netdev'), ['socket,id=peer,connect=127.0.0.1:1234']);
  });

  it('hands files to the guest through fw_cfg under opt/passbench/, and writes a pid file when asked', () => {
    const argv = guestQemuArgs({ ...base, fwCfg: [{ name: 'authorized_keys', file: '/run/pb/ak' }], pidFile: '/run/pb/qemu.pid' });
    assert.deepEqual(values(argv, '-fw_cfg'), ['name=opt/passbench/authorized_keys,file=/run/pb/ak']);
    assert.deepEqual(values(argv, '-pidfile'), ['/run/pb/qemu.pid']);
  });

  it('starts with the CPUs stopped only when asked', () => {
    assert.ok(!guestQemuArgs(base).includes('-S'));
    assert.ok(guestQemuArgs({ ...base, paused: true }).includes('-S'));
  });

  const injections: [string, Partial<GuestSpec>, string][] = [
    ['name', { name: 'g,debug-threads=on' }, 'g,debug-threads=on'],
    ['qmpSocket', { qmpSocket: '/tmp/q,server=off' }, '/tmp/q,server=off'],
    ['serialLog', { serialLog: '/tmp/x y.log' }, '/tmp/x y.log'],
    ['pidFile', { pidFile: '/tmp/p\n.pid' }, '/tmp/p\n.pid'],
    ['boot.iso', { boot: { kind: 'iso', iso: '/a,b.iso' } }, '/a,b.iso'],
    ['boot.kernel', { boot: { kind: 'kernel', kernel: '/k\tv', initrd: '/i' } }, '/k\tv'],
    ['boot.append[1]', { boot: { kind: 'kernel', kernel: '/k', initrd: '/i', append: ['quiet', 'a b'] } }, 'a b'],
    ['drives[1].file', { drives: [{ file: '/d.qcow2', format: 'qcow2' }, { file: '/s.iso,readonly=off', format: 'raw' }] }, '/s.iso,readonly=off'],
    ['vfio[0].romfile', { vfio: [{ host: parseBdf('0000:03:00.0'), romfile: '/r,x-foo=1' }] }, '/r,x-foo=1'],
    ['fwCfg[0].name', { fwCfg: [{ name: 'k,file=/etc/shadow', file: '/a' }] }, 'k,file=/etc/shadow'],
    ['fwCfg[0].file', { fwCfg: [{ name: 'k', file: '/a b' }] }, '/a b'],
    ['nic.id', { nic: { model: 'e1000', id: 'n,x=1', netdev: { kind: 'user' } } }, 'n,x=1'],
    ['nic.netdev.ifname', { nic: { model: 'e1000', netdev: { kind: 'tap', ifname: 'tap0,script=/x' } } }, 'tap0,script=/x'],
    ['nic.mac', { nic: { model: 'e1000', mac: '52:54:00:12:34', netdev: { kind: 'user' } } }, '52:54:00:12:34'],
    ['nic.netdev.hostForwards[0].hostAddress', { nic: { model: 'e1000', netdev: { kind: 'user', hostForwards: [{ hostAddress: '1.2.3.4,x', hostPort: 1, guestPort: 2 }] } } }, '1.2.3.4,x'],
  ];
  for (const [field, change, value] of injections) {
    it(`refuses a ${field} QEMU would split into options (${JSON.stringify(value)})`, () => {
      assert.throws(() => guestQemuArgs({ ...base, ...change }), usageErrorNaming(field, value));
    });
  }

  it('refuses out-of-range sizes and ports', () => {
    assert.throws(() => guestQemuArgs({ ...base, cpus: 0 }), /cpus must be an integer from 1 to 256, not 0/);
    assert.throws(() => guestQemuArgs({ ...base, memoryMiB: 1.5 }), /memoryMiB must be an integer/);
    assert.throws(
      () => guestQemuArgs({ ...base, nic: { model: 'e1000', netdev: { kind: 'user', hostForwards: [{ hostPort: 70000, guestPort: 22 }] } } }),
      /nic\.netdev\.hostForwards\[0\]\.hostPort must be an integer from 1 to 65535, not 70000/,
    );
  });
});

describe('vm/qemu-version', () => {
  it('keeps the version from `--version`, without the prefix, so qemu=10.0 filters match it', () => {
    assert.equal(qemuVersion('QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-2+deb13u1~bpo12+1)\nCopyright (c) 2003-2025 Fabrice Bellard'),
      '10.0.2 (Debian 1:10.0.2+ds-2+deb13u1~bpo12+1)');
    assert.equal(qemuVersion('QEMU emulator version 7.2.15\n'), '7.2.15');
    assert.equal(qemuVersion(''), '');
  });
});
