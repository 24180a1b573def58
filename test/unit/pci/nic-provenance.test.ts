import assert from 'node:assert/strict';
import type { RunResult } from '../../../harness/host/host.ts';
import { parseBdf } from '../../../harness/pci/bdf.ts';
import { parseEthtoolInfo, readNicProvenance } from '../../../harness/pci/nic-provenance.ts';
import { LAB, useSimLabs } from '../../support/sim-kernel.ts';
import { slowHost } from '../../support/slow-host.ts';

// `ethtool -i` of an 82599 port (ixgbe, out-of-tree style version) and of the virtual lab's igb.
const ETHTOOL_82599 = 'driver: ixgbe\nversion: 5.19.6\nfirmware-version: 0x800008a3, 1.2994.0\nexpansion-rom-version: \nbus-info: 0000:03:00.0\n'
  + 'supports-statistics: yes\nsupports-test: yes\nsupports-eeprom-access: yes\nsupports-register-dump: yes\nsupports-priv-flags: yes\n';
const ETHTOOL_LAB_IGB = 'driver: igb\nversion: 6.12.95+deb12-amd64\nfirmware-version:  0.0.0\nbus-info: 0000:00:02.0\n';

const answer = (argv: readonly string[], stdout: string, exitCode = 0): RunResult => ({ argv, exitCode, stdout, stderr: '', durationMs: 1 });

describe('pci/nic-provenance: the NIC under test, as the host has it before the bind', () => {
  const lab = useSimLabs();

  it('parses ethtool -i: version and firmware, N/A and empty values absent', () => {
    assert.deepEqual(parseEthtoolInfo(ETHTOOL_82599), { version: '5.19.6', firmware: '0x800008a3, 1.2994.0' });
    assert.deepEqual(parseEthtoolInfo(ETHTOOL_LAB_IGB), { version: '6.12.95+deb12-amd64', firmware: '0.0.0' });
    assert.deepEqual(parseEthtoolInfo('driver: e1000\nversion: \nfirmware-version: N/A\n'), { version: undefined, firmware: undefined });
  });

  it('reads driver, version and firmware with ethtool, link speed and MTU from sysfs', async () => {
    const asked: string[][] = [];
    const { sim, tree } = await lab({ run: (argv) => { asked.push([...argv]); return answer(argv, argv[0] === 'ethtool' ? ETHTOOL_LAB_IGB : ''); } });
    await tree.writeFile('/sys/class/net/eth1/speed', '1000\n');
    await tree.writeFile('/sys/class/net/eth1/mtu', '1500\n');
    const nic = await readNicProvenance(sim, parseBdf(LAB.pf));
    assert.deepEqual(nic, {
      bdf: LAB.pf, model: '8086:10c9', vendorDevice: '8086:10c9', driver: 'igb', driverVersion: '6.12.95+deb12-amd64', firmware: '0.0.0',
      iface: 'eth1', linkSpeedMbps: 1000, mtu: 1500,
    });
    assert.deepEqual(asked.filter((a) => a[0] === 'ethtool'), [['ethtool', '-i', 'eth1']]);
  });

  it('without ethtool: the module version, else the kernel release; firmware unknown; no speed while the link is down', async () => {
    const { sim, tree } = await lab({ run: (argv) => answer(argv, '', argv[0] === 'ethtool' ? 127 : 0) });
    await tree.writeFile('/sys/class/net/eth1/speed', '-1\n');
    await tree.writeFile('/sys/class/net/eth1/mtu', '9000\n');
    await tree.writeFile('/proc/sys/kernel/osrelease', '6.1.0-57-amd64\n');
    const inTree = await readNicProvenance(sim, parseBdf(LAB.pf));
    assert.equal(inTree.driverVersion, '6.1.0-57-amd64');
    assert.equal(inTree.firmware, 'unknown');
    assert.equal(inTree.linkSpeedMbps, undefined);
    assert.equal(inTree.mtu, 9000);
    await tree.writeFile('/sys/module/igb/version', '5.4.0-k\n');
    assert.equal((await readNicProvenance(sim, parseBdf(LAB.pf))).driverVersion, '5.4.0-k');
  });

  it('asks ethtool, the module version, link speed and MTU at once, once the device is read', async () => {
    const { sim, tree } = await lab({ run: (argv) => answer(argv, argv[0] === 'ethtool' ? ETHTOOL_LAB_IGB : '') });
    await tree.writeFile('/sys/class/net/eth1/speed', '1000\n');
    await tree.writeFile('/sys/class/net/eth1/mtu', '1500\n');
    // Only the calls about its driver and interface count, not the device's own reads.
    const slow = slowHost(sim, ['run', 'readFile'], { only: (arg) => !String(arg).startsWith('/sys/bus/pci/') && !String(arg).includes('pci.ids') });
    const nic = await readNicProvenance(slow.host, parseBdf(LAB.pf));
    assert.deepEqual(nic, await readNicProvenance(sim, parseBdf(LAB.pf)));
    assert.ok(slow.mostInFlight() >= 5, `at most ${slow.mostInFlight()} calls in flight`);
  });
});
