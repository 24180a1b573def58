import assert from 'node:assert/strict';
import { HostFileError } from '../../../harness/errors.ts';
import type { Host } from '../../../harness/host/host.ts';
import type { Bdf } from '../../../harness/pci/bdf.ts';
import { setInterfacesUp, upInterfaces } from '../../../harness/pci/link-state.ts';
import { WaitTimeoutError } from '../../../harness/wait/index.ts';

const BDF = '0000:03:00.0' as Bdf;
const NET = `/sys/bus/pci/devices/${BDF}/net`;

/** A host with only these sysfs files, recording the commands it is asked to run. */
function host(files: Record<string, string>, ran: string[][] = []): Host {
  const missing = (p: string) => new HostFileError('h', p, 'read', { code: 'ENOENT' });
  return {
    name: 'h',
    readFile: async (p: string) => { if (files[p] === undefined) throw missing(p); return files[p]; },
    readDir: async (p: string) => {
      const names = [...new Set(Object.keys(files).filter((f) => f.startsWith(`${p}/`)).map((f) => f.slice(p.length + 1).split('/')[0]!))];
      if (!names.length) throw missing(p);
      return names;
    },
    run: async (argv: readonly string[]) => { ran.push([...argv]); return { argv, exitCode: 0, stdout: '', stderr: '', durationMs: 1 }; },
  } as unknown as Host;
}

describe('pci/link-state: a NIC that was up comes back up after restore', () => {
  it('lists the interfaces with IFF_UP, and only names ip(8) may take', async () => {
    const h = host({ [`${NET}/eth2/flags`]: '0x1003\n', [`${NET}/eth3/flags`]: '0x1002\n', [`${NET}/bad;name/flags`]: '0x1003\n' });
    assert.deepEqual(await upInterfaces(h, BDF), ['eth2']);
    assert.deepEqual(await upInterfaces(host({}), BDF), []);
  });

  it('sets up every interface the device has after the bind, under whatever name', async () => {
    const ran: string[][] = [];
    assert.deepEqual(await setInterfacesUp(host({ [`${NET}/eth5/flags`]: '0x1002\n' }, ran), BDF, ['eth2']), ['eth5']);
    assert.deepEqual(ran, [['ip', 'link', 'set', 'dev', 'eth5', 'up']]);
  });

  it('an interface that never comes back: a timeout naming the device and what to run by hand', async () => {
    await assert.rejects(setInterfacesUp(host({}), BDF, ['eth2'], 300), (e: unknown) => e instanceof WaitTimeoutError
      && e.message.includes(`${BDF}'s network interface after its driver's bind`) && /ip link set dev eth2 up/.test(e.remedy ?? ''));
  });
});
