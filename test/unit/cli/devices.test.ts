import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { Bdf } from '../../../harness/pci/bdf.ts';
import type { DeviceListing } from '../../../harness/pci/device-listing.ts';
import { buildSysfsTree, type SysfsTree } from '../../support/sysfs-tree.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/passbench.js');
const passbench = (...args: string[]) => execa('node', [BIN, ...args], { reject: false });

interface LspciDevice { bdf: string; classCode: string; vendorId: string; deviceId: string; driver?: string }

/** `lspci -D -n -k`: `0000:00:03.0 0200: 1af4:1041 (rev 01)` then tab-indented details. */
function parseLspci(text: string): LspciDevice[] {
  const devices: LspciDevice[] = [];
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) ([0-9a-f]{4}): ([0-9a-f]{4}):([0-9a-f]{4})/.exec(line);
    if (head) devices.push({ bdf: head[1]!, classCode: head[2]!, vendorId: head[3]!, deviceId: head[4]! });
    const driver = /^\tKernel driver in use: (\S+)/.exec(line);
    if (driver && devices.length) devices[devices.length - 1]!.driver = driver[1]!;
  }
  return devices;
}

describe('cli devices', () => {
  it('--all --json agrees with lspci -D -n -k on this machine (address, ids, class, driver)', async function () {
    const lspci = await execa('lspci', ['-D', '-n', '-k'], { reject: false });
    if (lspci.exitCode !== 0 && !lspci.stdout) this.skip(); // no pciutils: nothing to compare with
    const expected = parseLspci(lspci.stdout);
    const run = await passbench('devices', '--all', '--json');
    assert.equal(run.exitCode, 0, run.stderr);
    const ours = (JSON.parse(run.stdout) as DeviceListing[]).map((d) => ({
      bdf: d.bdf, classCode: d.classCode.slice(0, 4), vendorId: d.vendorId, deviceId: d.deviceId, ...(d.driver ? { driver: d.driver } : {}),
    }));
    assert.ok(expected.length > 0, 'lspci listed no devices');
    assert.deepEqual(ours, expected);
  });

  describe('--sysfs on a built tree', () => {
    let tree: SysfsTree;
    const pf = '0000:03:00.0' as Bdf;
    before(async () => {
      tree = await buildSysfsTree({
        drivers: ['vfio-pci'],
        devices: [
          { bdf: '0000:00:1f.2', vendor: '8086', device: '2922', classCode: '010601', driver: 'ahci', iommuGroup: 1 },
          { bdf: pf, vendor: '8086', device: '10fb', driver: 'ixgbe', iommuGroup: 5, net: ['enp3s0f0'], sriov: { totalVfs: 63, vfs: ['0000:03:10.0'] } },
          { bdf: '0000:03:00.1', vendor: '8086', device: '10fb', driver: 'vfio-pci', driverOverride: 'vfio-pci', iommuGroup: 5 },
          { bdf: '0000:03:10.0', vendor: '8086', device: '10ed', classCode: '020000', iommuGroup: 9 },
        ],
      });
    });
    after(() => tree.cleanup());

    it('lists NICs only by default, as JSON', async () => {
      const run = await passbench('devices', '--json', '--sysfs', tree.root);
      assert.equal(run.exitCode, 0, run.stderr);
      const devices = JSON.parse(run.stdout) as DeviceListing[];
      assert.deepEqual(devices.map((d) => d.bdf), [pf, '0000:03:00.1', '0000:03:10.0']);
      const first = devices[0]!;
      assert.deepEqual(first.groupPeers, ['0000:03:00.1']);
      assert.deepEqual(first.sriov, { totalVfs: 63, numVfs: 1, vfs: ['0000:03:10.0'] });
      assert.equal(first.activeChecked, false);
      assert.equal(devices[2]!.physfn, pf);
    });

    it('prints a table a person reads; --all adds the SATA controller', async () => {
      const run = await passbench('devices', '--all', '--sysfs', tree.root);
      assert.equal(run.exitCode, 0, run.stderr);
      assert.match(run.stdout, /ADDRESS\s+ID\s+NAME\s+DRIVER\s+OVERRIDE\s+GROUP\s+SR-IOV\s+IFACES\s+IN USE/);
      assert.match(run.stdout, /0000:00:1f\.2\s+8086:2922/);
      assert.match(run.stdout, /0000:03:00\.0\s+8086:10fb\s+.*ixgbe\s+-\s+5 \(\+0000:03:00\.1\)\s+1\/63\s+enp3s0f0\s+not checked/);
      assert.match(run.stdout, /0000:03:00\.1\s+.*vfio-pci\s+vfio-pci\s+5 \(\+0000:03:00\.0\)/);
      assert.match(run.stdout, /VF of 0000:03:00\.0/);
    });

    it('refuses --sysfs together with --host (exit 2)', async () => {
      const run = await passbench('devices', '--sysfs', tree.root, '--host', 'ssh://root@127.0.0.1:2222');
      assert.equal(run.exitCode, 2);
      assert.match(run.stderr, /cannot be combined with --host/);
    });
  });
});
