import assert from 'node:assert/strict';
import { gradeRunFacts, type RunFacts, type RunNeeds } from '../../../harness/doctor/run-needs.ts';

const needs: RunNeeds = { bridges: ['br-test'], vhost: true, guestFiles: ['/var/lib/passbench/guest.vmlinux'], guestTool: 'dropbearkey' };
const ok: RunFacts = {
  bridges: [{ name: 'br-test', exists: true, ports: ['eno2'] }], tun: true, vhostNet: true,
  guestFiles: [{ path: '/var/lib/passbench/guest.vmlinux', exists: true }], guestTool: true,
};
const grades = (f: RunFacts, n = needs) => Object.fromEntries(gradeRunFacts(n, f).map((c) => [c.id, `${c.grade}: ${c.detail}${c.remedy ? ` → ${c.remedy}` : ''}`]));

describe('doctor/run-needs: what a run\'s selection needs on its host (doctor --lab)', () => {
  it('passes a host with the bridge and a port, tun, vhost-net, the guest image and dropbearkey', () => {
    assert.deepEqual(Object.values(grades(ok)).map((g) => g.split(':')[0]), ['PASS', 'PASS', 'PASS', 'PASS', 'PASS']);
  });

  it('names each missing piece with how to get it: FAIL, but only WARN for vhost-net', () => {
    const g = grades({ bridges: [{ name: 'br-test', exists: true, ports: [] }], tun: false, vhostNet: false,
      guestFiles: [{ path: '/var/lib/passbench/guest.vmlinux', exists: false }], guestTool: false });
    assert.match(g['bridge-br-test']!, /^FAIL: bridge br-test has no port, so the baseline would not reach the test network → make it once: ip link add br-test type bridge; ip link set PORT master br-test/);
    assert.match(g.tun!, /^FAIL: missing.* → modprobe tun/);
    assert.match(g['vhost-net']!, /^WARN: missing: virtio-net would run its data path in QEMU.* → modprobe vhost_net/);
    assert.match(g['guest-file-/var/lib/passbench/guest.vmlinux']!, /^FAIL: missing → Build it on the controller \(vm-images\/build-guest\.sh\)/);
    assert.match(g.dropbearkey!, /^FAIL: not found → apt-get install dropbear-bin/);
    assert.match(grades({ ...ok, bridges: [{ name: 'br-test', exists: false, ports: [] }] })['bridge-br-test']!, /^FAIL: the host has no bridge br-test for the baseline's tap/);
  });

  it('a qcow2 image needs qemu-img there (its overlays), not dropbearkey', () => {
    const g = grades({ ...ok, guestTool: false }, { ...needs, guestTool: 'qemu-img' });
    assert.equal(g.dropbearkey, undefined);
    assert.match(g['qemu-img']!, /^FAIL: not found → apt-get install qemu-utils: each guest boots a copy-on-write overlay/);
  });

  it('asks for nothing the selection does not use (no bridge: no tun; no virtio-net on the wire: no vhost-net)', () => {
    assert.deepEqual(Object.keys(grades({ ...ok, bridges: [], guestFiles: [] }, { bridges: [], vhost: false, guestFiles: [], guestTool: 'dropbearkey' })), ['dropbearkey']);
  });
});
