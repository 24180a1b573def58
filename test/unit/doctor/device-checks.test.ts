import assert from 'node:assert/strict';
import { runDoctor } from '../../../harness/doctor/run-doctor.ts';
import type { Bdf } from '../../../harness/pci/bdf.ts';
import { setNumVfs } from '../../../harness/pci/sriov-ops.ts';
import type { ActiveInterface } from '../../../harness/pci/types.ts';
import { GuardError, assignGroups } from '../../../harness/prepare/assign-group.ts';
import { HOST_USE, LAB, useSimLabs } from '../../support/sim-kernel.ts';
import { slowHost } from '../../support/slow-host.ts';

const b = (s: string) => s as Bdf;
const eth0Active: ActiveInterface[] = [{ name: 'eth0', reasons: [{ kind: 'default-route', family: 'ipv4' }] }];
const probeActive = async () => eth0Active;

describe('doctor --device: the verdict bind would give, before anything changes', () => {
  const lab = useSimLabs();

  async function deviceCheck(options: Parameters<typeof lab>[0], device: string, consent: string[] = []) {
    const { sim } = await lab(options);
    const report = await runDoctor(sim, { device: b(device), with: consent.map(b), probeActive });
    assert.equal(sim.writes.length, 0, 'doctor writes nothing');
    return report.checks.find((c) => c.id === 'device-group')!;
  }

  it('passes a group whose bridge stays on its driver', async () => {
    const c = await deviceCheck({}, LAB.behindBridge);
    assert.equal(c.grade, 'PASS', c.detail);
    assert.match(c.detail, /bridge 0000:00:01\.0 stays on its driver/);
  });

  it('fails a bridge, a PF with VFs in use and an interface in use, naming each and why', async () => {
    assert.match((await deviceCheck({}, LAB.bridge)).detail, /0000:00:01\.0 is a PCI bridge/);
    const active = await deviceCheck({}, LAB.nicActive);
    assert.equal(active.grade, 'FAIL');
    assert.match(active.detail, /carries eth0, which the host uses \(default route \(ipv4\)\)/);
    const { sim } = await lab();
    await setNumVfs(sim, b(LAB.pf), 2);
    const vfs = (await runDoctor(sim, { device: b(LAB.pf), probeActive })).checks.find((c) => c.id === 'device-group')!;
    assert.match(vfs.detail, /VFs in use \(0000:00:12\.0 on igbvf/);
  });

  it('fails the SMBus controller whose group holds the root disk\'s controller (issue 11, gap 1)', async () => {
    const c = await deviceCheck({ hostUse: true }, LAB.smbus);
    assert.equal(c.grade, 'FAIL');
    assert.match(c.detail, /0000:00:1f\.2 .*mounted at \/ \(the root filesystem\)/);
    assert.match(c.remedy ?? '', /--force/);
  });

  it('fails a group with an unnamed member in another slot, and passes it with --with', async () => {
    const c = await deviceCheck({ hostUse: true }, LAB.nicSpare);
    assert.equal(c.grade, 'FAIL');
    assert.match(c.detail, new RegExp(`${HOST_USE.nicPeer} .* was not named`));
    assert.ok(c.remedy?.includes(`--with ${HOST_USE.nicPeer}`), c.remedy);
    assert.equal((await deviceCheck({ hostUse: true }, LAB.nicSpare, [HOST_USE.nicPeer])).grade, 'PASS');
  });

  it('agrees with bind on every device of the host-use lab', async () => {
    const devices = [LAB.pf, LAB.nicActive, LAB.nicSpare, LAB.smbus, LAB.behindBridge, HOST_USE.gpu, HOST_USE.usb, HOST_USE.nvme];
    for (const device of devices) {
      const doctor = (await deviceCheck({ hostUse: true }, device)).grade;
      const { sim } = await lab({ hostUse: true });
      const bind = await assignGroups(sim, [b(device)], { probeActive }).then(() => 'PASS', (e: unknown) => {
        if (e instanceof GuardError) return 'FAIL';
        throw e;
      });
      assert.equal(doctor, bind, device);
    }
  });

  it('asks the host its facts at once (each a round trip over SSH), and grades them as when asked one by one', async () => {
    const { sim } = await lab();
    const slow = slowHost(sim, ['run', 'readFile', 'readDir', 'readLink', 'realPath', 'exists', 'stat']);
    assert.deepEqual(await runDoctor(slow.host), await runDoctor(sim));
    assert.ok(slow.mostInFlight() >= 8, `at most ${slow.mostInFlight()} calls in flight`);
    assert.deepEqual(await runDoctor(slow.host, { device: b(LAB.pf), probeActive }), await runDoctor(sim, { device: b(LAB.pf), probeActive }));
  });
});
