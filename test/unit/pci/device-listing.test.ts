import assert from 'node:assert/strict';
import type { RunOptions, RunResult } from '../../../harness/host/host.ts';
import { LocalHost } from '../../../harness/host/local-host.ts';
import { gatherHostFacts } from '../../../harness/doctor/facts.ts';
import { gradeFacts } from '../../../harness/doctor/run-doctor.ts';
import { gatherNetFacts } from '../../../harness/pci/active-interfaces.ts';
import type { Bdf } from '../../../harness/pci/bdf.ts';
import { listDevices } from '../../../harness/pci/device-listing.ts';
import { buildSysfsTree, type SysfsTree } from '../../support/sysfs-tree.ts';

/** Files from the tree, commands answered from a table: a lab host's `ip`, `dmesg`, QEMU, without one. */
class CannedHost extends LocalHost {
  readonly ran: string[] = [];
  constructor(root: string, private readonly answers: Record<string, string | number>) {
    super({ root });
  }
  override async run(argv: readonly string[], _options?: RunOptions): Promise<RunResult> {
    const key = argv.join(' ');
    this.ran.push(key);
    const answer = this.answers[key];
    const exitCode = typeof answer === 'number' ? answer : answer === undefined ? 1 : 0;
    return { argv, exitCode, stdout: typeof answer === 'string' ? answer : '', stderr: '', durationMs: 0 };
  }
}

const IP_ANSWERS = {
  'ip -j route show default': JSON.stringify([{ dst: 'default', gateway: '10.0.0.1', dev: 'br0' }]),
  'ip -j -6 route show default': '[]',
  'ip -j addr show': JSON.stringify([
    { ifname: 'lo', addr_info: [{ local: '127.0.0.1', scope: 'host' }] },
    { ifname: 'br0', addr_info: [{ local: '10.0.0.5', scope: 'global' }, { local: 'fe80::1', scope: 'link' }] },
    { ifname: 'enp3s0f1', addr_info: [{ local: 'fe80::2', scope: 'link' }] },
  ]),
  'ip -j -d link show': JSON.stringify([
    { ifname: 'br0', linkinfo: { info_kind: 'bridge' } }, { ifname: 'enp3s0f0', master: 'br0' }, { ifname: 'enp3s0f1' },
  ]),
  'sh -c printf %s "$SSH_CONNECTION"': '10.0.0.9 51234 10.0.0.5 22',
  'ip -j route get 10.0.0.9': JSON.stringify([{ dst: '10.0.0.9', dev: 'br0' }]),
};

describe('pci/device-listing and doctor facts through a Host', () => {
  let tree: SysfsTree;
  const pf0 = '0000:03:00.0' as Bdf;
  const pf1 = '0000:03:00.1' as Bdf;
  before(async () => {
    tree = await buildSysfsTree({
      devices: [
        { bdf: pf0, vendor: '8086', device: '10fb', driver: 'ixgbe', iommuGroup: 5, net: ['enp3s0f0'] },
        { bdf: pf1, vendor: '8086', device: '10fb', driver: 'ixgbe', iommuGroup: 5, net: ['enp3s0f1'] },
        { bdf: '0000:04:00.0', vendor: '8086', device: '1533', driver: 'igb', iommuGroup: 6, net: ['eno1'] },
      ],
    });
  });
  after(() => tree.cleanup());

  it('reads ip -j output: scope-host and link-local addresses ignored, SSH session traced to its interface', async () => {
    const facts = await gatherNetFacts(new CannedHost(tree.root, IP_ANSWERS));
    assert.deepEqual(facts.addresses, [{ dev: 'br0', address: '10.0.0.5' }]);
    assert.deepEqual(facts.ssh, { client: '10.0.0.9', dev: 'br0' });
    assert.deepEqual(facts.links[1], { name: 'enp3s0f0', master: 'br0', kind: undefined });
  });

  it('names the command and a remedy when ip prints no JSON (old iproute2)', async () => {
    const host = new CannedHost(tree.root, { ...IP_ANSWERS, 'ip -j route show default': 'default via 10.0.0.1 dev br0\n' });
    await assert.rejects(gatherNetFacts(host), /ip -j route show default` did not print JSON[\s\S]*/);
    await gatherNetFacts(host).catch((e: { remedy?: string }) => assert.match(e.remedy ?? '', /iproute2 4\.13/));
  });

  it('marks a bridge member ACTIVE and leaves idle NICs alone', async () => {
    const devices = await listDevices(new CannedHost(tree.root, IP_ANSWERS));
    const byBdf = Object.fromEntries(devices.map((d) => [d.bdf, d]));
    assert.deepEqual(byBdf[pf0]!.active, [{ name: 'enp3s0f0', reasons: [{ kind: 'member-of', master: 'br0', masterKind: 'bridge' }] }]);
    assert.deepEqual(byBdf[pf1]!.active, []);
    assert.deepEqual(byBdf['0000:04:00.0']!.active, []);
  });

  it('doctor --device fails the group of a NIC whose sibling carries the bridge, and passes an idle one', async () => {
    const answers = { ...IP_ANSWERS, dmesg: 'DMAR: IOMMU enabled\nDMAR-IR: Enabled IRQ remapping in x2apic mode\n',
      'qemu-system-x86_64 --version': 'QEMU emulator version 8.2.2\n', 'modinfo -n vfio': '/lib/modules/vfio.ko',
      'modinfo -n vfio_pci': '/lib/modules/vfio-pci.ko', 'modinfo -n vfio_iommu_type1': '/lib/modules/vfio_iommu_type1.ko' };
    const host = new CannedHost(tree.root, answers);
    const busy = gradeFacts(host.name, await gatherHostFacts(host, { device: pf1 })).checks.find((c) => c.id === 'device-group')!;
    assert.equal(busy.grade, 'FAIL');
    assert.match(busy.detail, /0000:03:00\.0 carries enp3s0f0, which the host uses \(member of bridge br0\)/);
    const facts = await gatherHostFacts(host, { device: '0000:04:00.0' as Bdf });
    assert.equal(gradeFacts(host.name, facts).checks.find((c) => c.id === 'device-group')!.grade, 'PASS');
    assert.deepEqual(facts.modules, { vfio: 'available', vfio_pci: 'available', vfio_iommu_type1: 'available' });
    assert.equal(facts.qemu.version, '8.2.2');
    assert.equal(facts.iommuGroupCount, 2);
  });
});
