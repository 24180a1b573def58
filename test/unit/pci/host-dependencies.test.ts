import assert from 'node:assert/strict';
import { describeHostUse, findHostDependencies, parseMountInfo, parseSwaps } from '../../../harness/pci/host-dependencies.ts';
import { LAB, useSimLabs } from '../../support/sim-kernel.ts';
import { slowHost } from '../../support/slow-host.ts';

describe('pci/host-dependencies: what the host\'s storage, console and input sit on', () => {
  const lab = useSimLabs();

  it('parses mountinfo and swaps, with the kernel\'s \\040 escapes', () => {
    assert.deepEqual(parseMountInfo('36 35 98:0 / /mnt/my\\040disk rw,noatime master:1 - ext3 /dev/root rw\n'),
      [{ dev: '98:0', mountPoint: '/mnt/my disk', source: '/dev/root' }]);
    assert.deepEqual(parseSwaps('Filename Type Size Used Priority\n/dev/sdb2 partition 1 0 -2\n/swap\\040file file 1 0 -3\n'), ['/dev/sdb2', '/swap file']);
  });

  it('finds root mounted as /dev/root by major:minor, and a disk held by an md array nothing mounts', async () => {
    const { sim, tree } = await lab();
    await tree.addBlockDevice({ name: 'sda', dev: '8:0', bdf: LAB.sata, partitions: [{ name: 'sda1', dev: '8:1' }, { name: 'sda2', dev: '8:2' }] });
    await tree.addBlockDevice({ name: 'md0', dev: '9:0', slaves: ['sda2'] });
    await tree.writeFile('/proc/self/mountinfo', '22 1 8:1 / / rw - ext4 /dev/root rw\n');
    const deps = await findHostDependencies(sim);
    assert.deepEqual([...deps.keys()], [LAB.sata]);
    assert.deepEqual(deps.get(LAB.sata as never)!.map(describeHostUse), [
      'sda1 mounted at / (the root filesystem)',
      'sda2 held by md0 (device-mapper, md or another stack on it)',
    ]);
  });

  it('a host with nothing mounted, no swap, console or input depends on no device', async () => {
    const { sim } = await lab();
    assert.equal((await findHostDependencies(sim, [LAB.sata as never])).size, 0);
  });

  it('follows a stack down to the disk: LVM over dm-crypt over sda2, mounted at /', async () => {
    const { sim, tree } = await lab();
    await tree.addBlockDevice({ name: 'sda', dev: '8:0', bdf: LAB.sata, partitions: [{ name: 'sda2', dev: '8:2' }] });
    await tree.addBlockDevice({ name: 'dm-1', dev: '253:1', slaves: ['sda2'] });
    await tree.addBlockDevice({ name: 'dm-0', dev: '253:0', slaves: ['dm-1'] });
    await tree.symlink('/dev/mapper/vg-root', '../dm-0');
    await tree.writeFile('/proc/self/mountinfo', '22 1 0:25 / / rw - btrfs /dev/mapper/vg-root rw\n');
    assert.deepEqual((await findHostDependencies(sim)).get(LAB.sata as never)!.map(describeHostUse), ['sda2 under dm-0 mounted at / (the root filesystem)']);
  });

  it('reads storage, console, input and the candidates at once, and finds the same as one read at a time', async () => {
    // Over SSH each read is a round trip (45-140 ms to the virtual lab host), and run and bind look twice.
    const { sim, tree } = await lab();
    await tree.addBlockDevice({ name: 'sda', dev: '8:0', bdf: LAB.sata, partitions: [{ name: 'sda1', dev: '8:1' }, { name: 'sda2', dev: '8:2' }] });
    await tree.addBlockDevice({ name: 'md0', dev: '9:0', slaves: ['sda2'] });
    await tree.writeFile('/proc/self/mountinfo', '22 1 8:1 / / rw - ext4 /dev/root rw\n');
    await tree.writeFile('/proc/swaps', 'Filename Type Size Used Priority\n/dev/sda2 partition 1 0 -2\n');
    const slow = slowHost(sim, ['readFile', 'readDir', 'realPath']);
    const candidates = [LAB.sata as never, LAB.lpc as never];
    assert.deepEqual([...(await findHostDependencies(slow.host, candidates))], [...(await findHostDependencies(sim, candidates))]);
    assert.ok(slow.mostInFlight() >= 8, `at most ${slow.mostInFlight()} reads in flight`);
  });
});
