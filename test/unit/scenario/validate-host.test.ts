import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ResolvedDevice, HostRunConfig } from '../../../harness/config/scenario-config.ts';
import type { Case } from '../../../harness/scenario/case-context.ts';
import type { HostPlan } from '../../../harness/scenario/plan.ts';
import { HostValidationError, validateHost } from '../../../harness/scenario/validate-host.ts';
import { HOST_USE, LAB, snapshot, useSimLabs } from '../../support/sim-kernel.ts';
import { ipRunner, type NetShape } from '../../support/ip-answers.ts';
import { configureVfs } from '../../../harness/prepare/sriov.ts';
import type { Bdf } from '../../../harness/pci/bdf.ts';

/** A host's plan with one nic case; validateHost reads only the name, the journal path and the devices. */
function planFor(device: Omit<ResolvedDevice, 'mode' | 'id' | 'expect' | 'addresses' | 'source'>): HostPlan {
  const d: ResolvedDevice = { mode: 'nic', id: `nic-${device.bdf}`, expect: { vendorDevice: '8086:100e', driver: 'e1000' },
    addresses: ['10.0.3.21/24'], source: 'hosts.lab1.devices[0]', ...device };
  const c: Case = { id: `lab1/${d.id}`, host: 'lab1', device: d, guests: [], stepIds: [] };
  return { name: 'lab1', config: { name: 'lab1', journalPath: '/var/lib/passbench/journal.json' } as HostRunConfig, cases: [c] };
}

const noInterfaces = async () => [];
const b = (s: string) => s as Bdf;

describe('scenario/validate-host: the prepare guards before the first change (issue 11, gap 1)', () => {
  const lab = useSimLabs();

  it('refuses a NIC whose group holds a member in another slot nobody named, saying which with: to add', async () => {
    const { sim, root } = await lab({ hostUse: true });
    const before = await snapshot(root);
    await assert.rejects(validateHost(sim, planFor({ bdf: LAB.nicSpare }), noInterfaces), (e: unknown) =>
      e instanceof HostValidationError
      && e.message.includes(`${HOST_USE.nicPeer} (class 020000, on e1000) shares IOMMU group 3 with ${LAB.nicSpare} but was not named`)
      && e.message.includes(`add with: [${HOST_USE.nicPeer}] to hosts.lab1.devices[0]`));
    await validateHost(sim, planFor({ bdf: LAB.nicSpare, with: [HOST_USE.nicPeer] }), noInterfaces);
    assert.equal(sim.writes.length, 0);
    assert.deepEqual(await snapshot(root), before);
  });

  it('an e1000 on the test wire: refuses a bridge the host lacks, or one with no port, saying how to make it', async () => {
    const { sim, root } = await lab();
    const e1000 = (bridge: string): HostPlan => {
      const d: ResolvedDevice = { mode: 'e1000', id: 'e1000', expect: { vendorDevice: '8086:100e', driver: 'e1000' }, addresses: ['10.0.3.41/24'], bridge, source: 'run.devices[2]' };
      return { name: 'lab1', config: { name: 'lab1' } as HostRunConfig, cases: [{ id: 'lab1/e1000', host: 'lab1', device: d, guests: [], stepIds: [] }] };
    };
    await assert.rejects(validateHost(sim, e1000('br-test'), noInterfaces), (e: unknown) => e instanceof HostValidationError
      && /run\.devices\[2\]: the host has no bridge br-test for the baseline's tap; make it once: ip link add br-test type bridge; ip link set PORT master br-test/.test(e.message));
    await fs.mkdir(path.join(root, 'sys/class/net/br-test/bridge'), { recursive: true });
    await fs.mkdir(path.join(root, 'sys/class/net/br-test/brif'), { recursive: true });
    await fs.mkdir(path.join(root, 'dev/net'), { recursive: true });
    await fs.writeFile(path.join(root, 'dev/net/tun'), '');
    await assert.rejects(validateHost(sim, e1000('br-test'), noInterfaces), /bridge br-test has no port, so the baseline would not reach the test network/);
    await fs.mkdir(path.join(root, 'sys/class/net/br-test/brif/eth3'));
    await validateHost(sim, e1000('br-test'), noInterfaces);
    assert.equal(sim.writes.length, 0);
  });

  it('a guest image file missing on the host is refused before any change, unless run.guest.copyFrom will copy it', async () => {
    const { sim, root } = await lab();
    const plan = (copyFrom?: string): HostPlan => ({ name: 'lab1', cases: [],
      config: { name: 'lab1', guest: { kernel: '/var/lib/passbench/guest.vmlinux', initrd: '/var/lib/passbench/guest.initrd', memoryMiB: 512, cpus: 1, ...(copyFrom ? { copyFrom } : {}) } } as HostRunConfig });
    await fs.mkdir(path.join(root, 'var/lib/passbench'), { recursive: true });
    await fs.writeFile(path.join(root, 'var/lib/passbench/guest.vmlinux'), 'kernel');
    await assert.rejects(validateHost(sim, plan(), noInterfaces), (e: unknown) => e instanceof HostValidationError && e.problems.length === 1
      && /the guest image file \/var\/lib\/passbench\/guest\.initrd is not on this host: .*set run\.guest\.copyFrom/.test(e.message));
    await validateHost(sim, plan('/srv/images'), noInterfaces);
  });

  it('refuses a device whose group holds the root filesystem\'s controller unless force: true', async () => {
    const { sim } = await lab({ hostUse: true });
    await assert.rejects(validateHost(sim, planFor({ bdf: LAB.smbus }), noInterfaces), (e: unknown) =>
      e instanceof HostValidationError && /0000:00:1f\.2 .*mounted at \/ \(the root filesystem\).*force: true on hosts\.lab1\.devices\[0\]/.test(e.message));
    await validateHost(sim, planFor({ bdf: LAB.smbus, force: true }), noInterfaces);
    assert.equal(sim.writes.length, 0);
  });

  it('refuses VFs of a PF whose VF carries the SSH session and default route (issue 11, gap 7)', async () => {
    const shape: NetShape = {
      v4Default: [{ dst: 'default', dev: 'eth5' }], links: [{ ifname: 'eth1' }, { ifname: 'eth5' }],
      sshConnection: '10.2.0.9 40022 10.2.0.5 22', routeGet: { '10.2.0.9': [{ dst: '10.2.0.9', dev: 'eth5' }] },
    };
    const { sim } = await lab({ run: ipRunner(shape), vfInterfaces: ['eth5', 'eth6'] });
    await configureVfs(sim, b(LAB.pf), 2, { journalPath: '/tmp/as-found.json' });
    await sim.remove('/tmp/as-found.json');
    const writes = sim.writes.length;
    const vfPlan = (count: number): HostPlan => {
      const d: ResolvedDevice = { mode: 'vf', id: `vf-${LAB.pf}`, pf: LAB.pf, count, expect: { vendorDevice: '8086:10ca', driver: 'igbvf' },
        addresses: [], source: 'hosts.lab1.devices[1]' };
      return { name: 'lab1', config: { name: 'lab1', journalPath: '/var/lib/passbench/journal.json' } as HostRunConfig,
        cases: [{ id: `lab1/${d.id}`, host: 'lab1', device: d, guests: [], stepIds: [] }] };
    };
    await assert.rejects(validateHost(sim, vfPlan(4)), (e: unknown) => e instanceof HostValidationError
      && /hosts\.lab1\.devices\[1\]: setting 0000:00:02\.0 sriov_numvfs from 2 to 4 .* 0000:00:12\.0 carries eth5, which the host uses \(default route/.test(e.message));
    await assert.rejects(validateHost(sim, vfPlan(2)), (e: unknown) => e instanceof HostValidationError
      && /hosts\.lab1\.devices\[1\]: 0000:00:12\.0 carries eth5, which the host uses .*SSH session from 10\.2\.0\.9/.test(e.message));
    assert.equal(sim.writes.length, writes);
  });
});
