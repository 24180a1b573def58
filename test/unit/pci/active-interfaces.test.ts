import assert from 'node:assert/strict';
import { decideActiveInterfaces, describeReasons } from '../../../harness/pci/active-interfaces.ts';

describe('pci/active-interfaces', () => {
  it('marks default routes, addresses, the SSH session and bond/bridge members', () => {
    const active = decideActiveInterfaces({
      defaultRoutes: [{ dev: 'br0', family: 'ipv4' }, { dev: 'br0', family: 'ipv6' }],
      addresses: [{ dev: 'br0', address: '10.0.0.5' }, { dev: 'lo', address: '127.0.0.1' }, { dev: 'eno2', address: '192.168.9.1' }],
      links: [{ name: 'br0', kind: 'bridge' }, { name: 'eno1', master: 'br0' }, { name: 'eno3' }, { name: 'eno4', master: 'bond0' },
        { name: 'bond0', kind: 'bond' }],
      ssh: { client: '10.0.0.9', dev: 'br0' },
    });
    assert.deepEqual(active.map((a) => a.name), ['br0', 'eno1', 'eno2', 'eno4']);
    assert.equal(describeReasons(active[0]!.reasons),
      'default route (ipv4), default route (ipv6), address 10.0.0.5, carries the SSH session from 10.0.0.9');
    assert.deepEqual(active[1]!.reasons, [{ kind: 'member-of', master: 'br0', masterKind: 'bridge' }]);
    assert.deepEqual(active[3]!.reasons, [{ kind: 'member-of', master: 'bond0', masterKind: 'bond' }]);
  });

  it('finds nothing on an idle host', () => {
    assert.deepEqual(decideActiveInterfaces({ defaultRoutes: [], addresses: [], links: [{ name: 'eno1' }] }), []);
  });
});
