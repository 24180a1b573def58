import assert from 'node:assert/strict';
import { consoleLinkState } from '../../../harness/guest/console-link.ts';
import { linkVerdict } from '../../../harness/guest/prove-device.ts';

describe('link state from the guest console', () => {
  const log = [
    'passbench-guest: [220.24] nic eth0 driver=igbvf pci=0000:00:01.0 id=0x8086:0x10ca carrier=1 operstate=up',
    'passbench-guest: [221.00] dmesg: [  190.1] igbvf 0000:00:01.0: Link is Up 1000 Mbps Full Duplex',
    'passbench-guest: [300.10] link change: eth0=0 lo=0 ',
    'passbench-guest: [300.50] nic eth0 driver=igbvf pci=0000:00:01.0 id=0x8086:0x10ca carrier=0 operstate=down',
    '[197] Nov 24 21:47:15 Child connection from 10.0.3.10:43654',
    'passbench-guest: [301.00] dmesg: [  290.2] igbvf 0000:00:01.0: Link is Down',
  ].join('\n');

  it('takes the last report of the NIC, with its driver messages, skipping other programs\' lines', () => {
    const s = consoleLinkState(log, '8086:10ca');
    assert.ok(s);
    assert.equal(s.linkUp, false);
    assert.equal(s.operstate, 'down');
    assert.deepEqual(s.kernelMessages, ['[  290.2] igbvf 0000:00:01.0: Link is Down']);
    assert.match(linkVerdict(s).text, /NO LINK \(operstate down\); kernel: igbvf 0000:00:01.0: Link is Down/);
  });

  it('says nothing for a NIC the console never reported', () => {
    assert.equal(consoleLinkState(log, '8086:100e'), undefined);
  });
});
