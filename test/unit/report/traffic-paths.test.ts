import assert from 'node:assert/strict';
import { trafficPaths } from '../../../harness/report/traffic-paths.ts';
import { SCHEMA_VERSION, type Check } from '../../../harness/results/schema.ts';

const check = (c: Partial<Check> & Pick<Check, 'name' | 'message'>): Check =>
  ({ schema: SCHEMA_VERSION, runId: 'r', host: 'lab1', status: 'pass', at: '2026-12-03T21:00:00Z', ...c } as Check);

describe('report/traffic-paths: what each mode\'s figures measured (issue 13)', () => {
  it('pairs each guest\'s path with its peer: the case\'s, or its own (VF pairs); a guest never measured says so', () => {
    const paths = trafficPaths([
      check({ name: 'guest-network', mode: 'nic', guest: 'nic0', message: '0000:00:04.0 by vfio-pci, 10.0.3.21/24 on the test wire' }),
      check({ name: 'peer', mode: 'nic', message: '10.0.3.11 on gen eth0, a traffic peer' }),
      check({ name: 'guest-network', mode: 'vf', guest: 'vf0', message: '0000:00:11.0 by vfio-pci, 10.0.3.31/24 on the test wire' }),
      check({ name: 'guest-network', mode: 'vf', guest: 'vf1', message: '0000:00:11.2 by vfio-pci, 10.0.3.32/24 on the test wire' }),
      check({ name: 'peer', mode: 'vf', guest: 'vf0', message: '10.0.3.32 on guest vf1 eth0, the other VF of the pair' }),
      check({ name: 'guest-network', mode: 'e1000', guest: 'e1000', message: 'emulated e1000 on QEMU user-net: NAT through the host, not the test wire' }),
      check({ name: 'peer', mode: 'e1000', message: '10.0.3.11 on gen eth0, a traffic peer' }),
    ]);
    assert.deepEqual(paths.map((p) => [p.guest, p.peer]), [
      ['nic0', '10.0.3.11 on gen eth0, a traffic peer'],
      ['vf0', '10.0.3.32 on guest vf1 eth0, the other VF of the pair'],
      ['vf1', 'not measured'],
      ['e1000', '10.0.3.11 on gen eth0, a traffic peer'],
    ]);
    assert.match(paths[3]!.path, /not the test wire/);
  });
});
