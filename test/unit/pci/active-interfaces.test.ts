import assert from 'node:assert/strict';
import { decideActiveInterfaces, describeReasons, findActiveInterfaces, gatherNetFacts } from '../../../harness/pci/active-interfaces.ts';
import type { Host } from '../../../harness/host/host.ts';
import type { Bdf } from '../../../harness/pci/bdf.ts';
import { GuardError, assignGroups } from '../../../harness/prepare/assign-group.ts';
import { ipRunner, type NetShape } from '../../support/ip-answers.ts';
import { LAB, snapshot, useSimLabs } from '../../support/sim-kernel.ts';
import { slowHost } from '../../support/slow-host.ts';

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

describe('pci/active-interfaces: the session\'s path through uppers and routes (issue 11, gap 7)', () => {
  const lab = useSimLabs();
  const b = (s: string) => s as Bdf;
  const lo = { ifname: 'lo', addr_info: [{ local: '127.0.0.1', scope: 'host' }] };
  const links = (...extra: object[]) => [{ ifname: 'lo' }, { ifname: 'eth0' }, { ifname: 'eth1' }, { ifname: 'eth2' }, { ifname: 'eth3' }, ...extra];

  /** Binding the spare NIC (eth2) with the real probe over the simulated host: refused, nothing written. */
  async function bindSpareRefused(shape: NetShape, pattern: RegExp): Promise<void> {
    const { sim, root } = await lab({ run: ipRunner(shape) });
    const before = await snapshot(root);
    await assert.rejects(assignGroups(sim, [b(LAB.nicSpare)]), (e: unknown) =>
      e instanceof GuardError && e.refusals.some((r) => r.rule === 'active-interface') && pattern.test(e.message));
    assert.equal(sim.writes.length, 0);
    assert.deepEqual(await snapshot(root), before);
  }

  it('a VLAN on the NIC (eth2.100) with the default route and the SSH session makes eth2 in use', async () => {
    const shape: NetShape = {
      v4Default: [{ dst: 'default', gateway: '10.1.0.1', dev: 'eth2.100' }],
      addrs: [lo, { ifname: 'eth2.100', addr_info: [{ local: '10.1.0.5', scope: 'global' }] }],
      links: links({ ifname: 'eth2.100', link: 'eth2', linkinfo: { info_kind: 'vlan' } }),
      sshConnection: '10.1.0.9 50022 10.1.0.5 22',
      routeGet: { '10.1.0.9': [{ dst: '10.1.0.9', dev: 'eth2.100' }] },
    };
    const { sim } = await lab({ run: ipRunner(shape) });
    const eth2 = (await findActiveInterfaces(sim)).find((a) => a.name === 'eth2');
    assert.equal(describeReasons(eth2!.reasons),
      'under vlan eth2.100 (default route (ipv4), address 10.1.0.5, carries the SSH session from 10.1.0.9)');
    await bindSpareRefused(shape, /eth2, which the host uses \(under vlan eth2\.100/);
  });

  for (const kind of ['macvlan', 'ipvlan']) {
    it(`a ${kind} upper with the host's address makes its lower in use`, async () => {
      await bindSpareRefused({
        addrs: [lo, { ifname: 'mv0', addr_info: [{ local: '192.168.7.2', scope: 'global' }] }],
        links: links({ ifname: 'mv0', link: 'eth2', linkinfo: { info_kind: kind } }),
      }, new RegExp(`under ${kind} mv0 \\(address 192\\.168\\.7\\.2\\)`));
    });
  }

  it('a VLAN on a bond: the bond and its members are in use', () => {
    const active = decideActiveInterfaces({ defaultRoutes: [{ dev: 'bond0.7', family: 'ipv4' }], addresses: [],
      links: [{ name: 'bond0', kind: 'bond' }, { name: 'eth2', master: 'bond0' }, { name: 'bond0.7', kind: 'vlan', link: 'bond0' }] });
    assert.deepEqual(active.map((a) => a.name), ['bond0', 'bond0.7', 'eth2']);
  });

  it('every nexthop of a multipath default route is in use', async () => {
    await bindSpareRefused({
      v4Default: [{ dst: 'default', protocol: 'static', nexthops: [{ gateway: '10.0.0.1', dev: 'eth0', weight: 1 }, { gateway: '10.0.2.1', dev: 'eth2', weight: 1 }] }],
      links: links(),
    }, /eth2, which the host uses \(default route \(ipv4\)\)/);
  });

  it('an IPv6 default route via link-local routers (RA, multipath) and a link-local SSH client are seen', async () => {
    await bindSpareRefused({
      v6Default: [{ dst: 'default', protocol: 'ra', metric: 1024, pref: 'medium',
        nexthops: [{ gateway: 'fe80::1', dev: 'eth1', weight: 1 }, { gateway: 'fe80::2', dev: 'eth2', weight: 1 }] }],
      addrs: [lo, { ifname: 'eth2', addr_info: [{ local: 'fe80::5054:ff:fe12:3456', scope: 'link' }] }],
      links: links(),
      sshConnection: 'fe80::9%eth2 50022 fe80::5054:ff:fe12:3456%eth2 22',
    }, /eth2, which the host uses \(default route \(ipv6\), carries the SSH session from fe80::9%eth2\)/);
  });

  it('asks the host its routes, addresses, links and SSH session at once (each a round trip), then routes the client', async () => {
    const answer = ipRunner({ v4Default: [{ dst: 'default', dev: 'eth0' }], sshConnection: '10.0.2.2 50022 10.0.2.15 22', routeGet: { '10.0.2.2': [{ dev: 'eth0' }] } });
    const slow = slowHost({ name: 'slow', run: async (argv: readonly string[]) => answer(argv) } as unknown as Host, ['run']);
    const facts = await gatherNetFacts(slow.host);
    assert.deepEqual([facts.defaultRoutes, facts.ssh], [[{ dev: 'eth0', family: 'ipv4' }], { client: '10.0.2.2', dev: 'eth0' }]);
    assert.equal(slow.mostInFlight(), 5, `at most ${slow.mostInFlight()} commands in flight`);
  });
});
