import assert from 'node:assert/strict';
import type { ResolvedDevice, HostRunConfig } from '../../../harness/config/scenario-config.ts';
import type { Case } from '../../../harness/scenario/case-context.ts';
import type { HostPlan } from '../../../harness/scenario/plan.ts';
import { HostValidationError, validateHost } from '../../../harness/scenario/validate-host.ts';
import { HOST_USE, LAB, snapshot, useSimLabs } from '../../support/sim-kernel.ts';

/** A host's plan with one nic case; validateHost reads only the name, the journal path and the devices. */
function planFor(device: Omit<ResolvedDevice, 'mode' | 'id' | 'expect' | 'addresses' | 'source'>): HostPlan {
  const d: ResolvedDevice = { mode: 'nic', id: `nic-${device.bdf}`, expect: { vendorDevice: '8086:100e', driver: 'e1000' },
    addresses: ['10.0.3.21/24'], source: 'hosts.lab1.devices[0]', ...device };
  const c: Case = { id: `lab1/${d.id}`, host: 'lab1', device: d, guests: [], stepIds: [] };
  return { name: 'lab1', config: { name: 'lab1', journalPath: '/var/lib/passbench/journal.json' } as HostRunConfig, cases: [c] };
}

const noInterfaces = async () => [];

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

  it('refuses a device whose group holds the root filesystem\'s controller unless force: true', async () => {
    const { sim } = await lab({ hostUse: true });
    await assert.rejects(validateHost(sim, planFor({ bdf: LAB.smbus }), noInterfaces), (e: unknown) =>
      e instanceof HostValidationError && /0000:00:1f\.2 .*mounted at \/ \(the root filesystem\).*force: true on hosts\.lab1\.devices\[0\]/.test(e.message));
    await validateHost(sim, planFor({ bdf: LAB.smbus, force: true }), noInterfaces);
    assert.equal(sim.writes.length, 0);
  });
});
