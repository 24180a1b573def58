import assert from 'node:assert/strict';
import { parseNicListing } from '../../../harness/guest/nic-listing.ts';
import { linkVerdict, type DeviceProof } from '../../../harness/guest/prove-device.ts';

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
});
