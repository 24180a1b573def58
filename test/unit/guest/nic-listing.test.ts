import assert from 'node:assert/strict';
import { parseNicListing } from '../../../harness/guest/nic-listing.ts';
import fs from 'node:fs/promises';
import path from 'node:path';
import { NIC_LISTING_SCRIPT, linkVerdict, type DeviceProof } from '../../../harness/guest/prove-device.ts';
import { LocalHost } from '../../../harness/host/local-host.ts';

describe('guest NIC listing', () => {
  const text = [
    'kernel 6.12.95-passbench',
    'nic eth0 0000:00:02.0 0x8086:0x10ca igbvf down 0 10.0.3.31/24,',
    'version eth0 -',
    'nic eth1 0000:00:03.0 0x8086:0x100e e1000 up 1 10.0.2.15/24,10.0.2.16/24,',
    'version eth1 7.3.21-k8-NAPI',
    'nic eth2 0000:00:04.0 0x8086:0x10c9 none down 0 ',
    'version eth2 -',
    '--lspci',
    '00:02.0 0200: 8086:10ca (rev 01)',
    '--dmesg',
    '[    5.1] igbvf 0000:00:02.0: PF still in reset state. Is the PF interface up?',
    '[    5.2] something else',
  ].join('\n');

  it('reads the kernel, and interface, PCI address, vendor:device, driver and its version, operstate, carrier and addresses', () => {
    const { kernel, nics, lspci, dmesg } = parseNicListing(text);
    assert.equal(kernel, '6.12.95-passbench');
    assert.equal(nics[1]?.driverVersion, '7.3.21-k8-NAPI', 'a module with a version of its own');
    assert.deepEqual(nics[0], {
      iface: 'eth0', pciAddress: '0000:00:02.0', vendorDevice: '8086:10ca', driver: 'igbvf',
      operstate: 'down', carrier: false, addresses: ['10.0.3.31/24'],
    });
    assert.deepEqual(nics[1]?.addresses, ['10.0.2.15/24', '10.0.2.16/24']);
    assert.equal(nics[1]?.carrier, true);
    assert.equal(nics[2]?.driver, 'none');
    assert.deepEqual(nics[2]?.addresses, []);
    assert.match(lspci, /8086:10ca/);
    assert.equal(dmesg.length, 2);
  });

  it('says NO LINK with the kernel message for a NIC without link, and passes only with link', () => {
    const proof: DeviceProof = {
      iface: 'eth0', pciAddress: '0000:00:02.0', vendorDevice: '8086:10ca', driver: 'igbvf', linkUp: false, operstate: 'down',
      address: '10.0.3.31/24', lspci: '', kernelMessages: ['[    5.1] igbvf 0000:00:02.0: PF still in reset state. Is the PF interface up?'],
    };
    const bad = linkVerdict(proof);
    assert.equal(bad.ok, false);
    assert.match(bad.text, /NO LINK \(operstate down\); kernel: igbvf 0000:00:02.0: PF still in reset state/);
    assert.equal(linkVerdict({ ...proof, linkUp: true, operstate: 'up' }).ok, true);
  });

  // Read-only: this machine's own /sys, as the guest's would be read.
  for (const shell of ['busybox sh', 'dash']) {
    it(`the listing script, under ${shell}, reads this machine's NICs as sysfs has them`, async () => {
      const out = (await new LocalHost().run([...shell.split(' '), '-c', NIC_LISTING_SCRIPT])).stdout;
      const listed = parseNicListing(out);
      const expected = [];
      for (const iface of (await fs.readdir('/sys/class/net')).sort()) {
        const dev = `/sys/class/net/${iface}/device`;
        if (!(await fs.stat(dev).catch(() => undefined))) continue;
        const read = async (p: string) => (await fs.readFile(p, 'utf8')).trim();
        const driver = await fs.readlink(`${dev}/driver`).then((l) => path.basename(l), () => 'none');
        expected.push({
          iface, pciAddress: path.basename(await fs.realpath(dev)), driver,
          vendorDevice: `${await read(`${dev}/vendor`)}:${await read(`${dev}/device`)}`.replace(/0x/g, ''),
          operstate: await read(`/sys/class/net/${iface}/operstate`),
        });
      }
      assert.ok(expected.length > 0, 'this machine has a NIC with a device');
      assert.deepEqual(listed.nics.map(({ iface, pciAddress, driver, vendorDevice, operstate }) => ({ iface, pciAddress, driver, vendorDevice, operstate })), expected);
      assert.equal(listed.kernel, (await fs.readFile('/proc/sys/kernel/osrelease', 'utf8')).trim());
      assert.ok(listed.nics.every((n) => n.addresses.every((a) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(a))), out);
    });
  }
});
