import assert from 'node:assert/strict';
import type { Bdf } from '../../../harness/pci/bdf.ts';
import { bindWithDriverOverride, clearOverride, rebindOriginal } from '../../../harness/pci/driver-ops.ts';
import { SysfsError } from '../../../harness/pci/sysfs-write.ts';
import { LAB, snapshot, useSimLabs } from '../../support/sim-kernel.ts';

const spare = LAB.nicSpare as Bdf;

describe('pci/driver-ops', () => {
  const lab = useSimLabs();

  it('binds with driver_override → unbind → drivers_probe and creates /dev/vfio/<group>', async () => {
    const { sim, root } = await lab();
    assert.equal(await bindWithDriverOverride(sim, spare, 'vfio-pci'), 'driver_override');
    const s = await snapshot(root);
    assert.deepEqual(s.devices[spare], { driver: 'vfio-pci', override: 'vfio-pci' });
    assert.deepEqual(s.vfio, ['3', 'vfio']);
    assert.deepEqual(sim.writes.map((w) => w.path), [
      `/sys/bus/pci/devices/${spare}/driver_override`, `/sys/bus/pci/devices/${spare}/driver/unbind`, '/sys/bus/pci/drivers_probe',
    ]);
  });

  it('returns early when already bound (no writes)', async () => {
    const { sim } = await lab();
    await bindWithDriverOverride(sim, spare, 'vfio-pci');
    const before = sim.writes.length;
    assert.equal(await bindWithDriverOverride(sim, spare, 'vfio-pci'), 'already');
    assert.equal(sim.writes.length, before);
  });

  it('rebindOriginal restores driver and override exactly, twice', async () => {
    const { sim, root } = await lab();
    const before = await snapshot(root);
    await bindWithDriverOverride(sim, spare, 'vfio-pci');
    await rebindOriginal(sim, spare, 'e1000', undefined);
    assert.deepEqual(await snapshot(root), before);
    await rebindOriginal(sim, spare, 'e1000', undefined);
    assert.deepEqual(await snapshot(root), before);
  });

  it('rebindOriginal leaves an originally unbound device unbound', async () => {
    const { sim, root } = await lab();
    const before = await snapshot(root);
    const smbus = LAB.smbus as Bdf;
    await bindWithDriverOverride(sim, smbus, 'vfio-pci');
    await rebindOriginal(sim, smbus, undefined, undefined);
    assert.deepEqual(await snapshot(root), before);
  });

  it('clearOverride empties driver_override and is a no-op the second time', async () => {
    const { sim, root } = await lab();
    await bindWithDriverOverride(sim, spare, 'vfio-pci');
    await clearOverride(sim, spare);
    const n = sim.writes.length;
    await clearOverride(sim, spare);
    assert.equal(sim.writes.length, n);
    assert.equal((await snapshot(root)).devices[spare]?.override, undefined);
  });

  it('a driver that does not take the device: error names device, path, expected and found', async () => {
    const { sim } = await lab({ failures: [{ op: 'probe', driver: 'vfio-pci', code: 'EINVAL' }] });
    await assert.rejects(bindWithDriverOverride(sim, spare, 'vfio-pci', { timeoutMs: 100 }), (e: unknown) =>
      e instanceof SysfsError && e.message.includes(spare) && e.message.includes('/driver') &&
      e.message.includes('expected driver vfio-pci') && e.message.includes('found no driver') && !!e.remedy);
  });

  it('an unknown device or a bad driver name is refused before any write', async () => {
    const { sim, root } = await lab();
    const before = await snapshot(root);
    await assert.rejects(bindWithDriverOverride(sim, '0000:09:00.0' as Bdf, 'vfio-pci'), /0000:09:00\.0.*nothing at that address/);
    await assert.rejects(bindWithDriverOverride(sim, spare, '../../../etc'), /not a kernel driver name/);
    assert.equal(sim.writes.length, 0);
    assert.deepEqual(await snapshot(root), before);
  });

  describe('new_id fallback (no driver_override)', () => {
    it('unbinds first, then new_id, so the device is taken (6.12 ordering)', async () => {
      const { sim, root } = await lab({ noOverride: true });
      assert.equal(await bindWithDriverOverride(sim, spare, 'vfio-pci'), 'new_id');
      assert.equal((await snapshot(root)).devices[spare]?.driver, 'vfio-pci');
      const paths = sim.writes.map((w) => w.path);
      assert.ok(paths.indexOf(`/sys/bus/pci/devices/${spare}/driver/unbind`) < paths.indexOf('/sys/bus/pci/drivers/vfio-pci/new_id'));
      // The other e1000, still bound when new_id was written, stays on e1000.
      assert.equal((await snapshot(root)).devices[LAB.nicActive]?.driver, 'e1000');
    });

    it('the sim reproduces the trap: new_id before unbind leaves the device with no driver', async () => {
      const { sim, root } = await lab({ noOverride: true });
      await sim.writeFile('/sys/bus/pci/drivers/vfio-pci/new_id', '8086 100e\n');
      await sim.writeFile(`/sys/bus/pci/devices/${spare}/driver/unbind`, `${spare}\n`);
      assert.equal((await snapshot(root)).devices[spare]?.driver, undefined);
    });

    it('lets go of other unbound devices with the same id that new_id grabbed', async () => {
      const { sim, root } = await lab({ noOverride: true });
      await sim.writeFile(`/sys/bus/pci/devices/${LAB.nicActive}/driver/unbind`, `${LAB.nicActive}\n`);
      await bindWithDriverOverride(sim, spare, 'vfio-pci');
      const s = await snapshot(root);
      assert.equal(s.devices[spare]?.driver, 'vfio-pci');
      assert.equal(s.devices[LAB.nicActive]?.driver, undefined);
    });

    it('uses the bind file when the id was already added (EEXIST)', async () => {
      const { sim, root } = await lab({ noOverride: true });
      await bindWithDriverOverride(sim, spare, 'vfio-pci');
      await rebindOriginal(sim, spare, 'e1000', undefined);
      assert.equal((await snapshot(root)).devices[spare]?.driver, 'e1000');
      assert.equal(await bindWithDriverOverride(sim, spare, 'vfio-pci'), 'new_id');
      assert.equal((await snapshot(root)).devices[spare]?.driver, 'vfio-pci');
    });
  });
});
