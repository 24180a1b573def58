import assert from 'node:assert/strict';
import { runDifferences } from '../../../harness/results/run-differences.ts';
import type { RunMeta } from '../../../harness/results/schema.ts';
import { fakeMeta } from '../../support/fake-run.ts';

describe('runDifferences', () => {
  const before = fakeMeta({ runId: 'a' });
  const withNic = (m: RunMeta, nic: Partial<NonNullable<RunMeta['hosts'][number]['nic']>>): RunMeta => ({
    ...m, hosts: m.hosts.map((h) => ({ ...h, nic: { ...h.nic!, ...nic } })),
  });

  it('names nothing when only the run id and times differ', () => {
    assert.deepEqual(runDifferences(before, fakeMeta({ runId: 'b', startedAt: new Date('2026-12-01T02:00:00Z') }), 'lab1'), {});
  });

  it('names each fact that differs, with before and after, and only those', () => {
    const after: RunMeta = {
      ...withNic(fakeMeta({ runId: 'b', kernel: '6.12.3-amd64', qemu: '10.1.0' }), { driver: 'ixgbe-oot', firmware: '0x80000aaa' }),
      harnessVersion: '0.2.0', guestImage: 'guest-2.iso', scenarioHash: 'b'.repeat(64),
    };
    assert.deepEqual(runDifferences(before, after, 'lab1'), {
      kernel: { before: '6.1.0-27-amd64', after: '6.12.3-amd64' },
      qemu: { before: '10.0.2', after: '10.1.0' },
      guestImage: { before: 'passbench-guest.iso', after: 'guest-2.iso' },
      harnessVersion: { before: '0.1.0', after: '0.2.0' },
      configHash: { before: 'a'.repeat(64), after: 'b'.repeat(64) },
      nicDriver: { before: 'ixgbe', after: 'ixgbe-oot' },
      nicFirmware: { before: '0x800007f4', after: '0x80000aaa' },
    });
  });

  it('reads the facts of the series\' host, and a host or NIC the run did not record as (none)', () => {
    const twoHosts = fakeMeta({ runId: 'b' });
    twoHosts.hosts = [{ ...twoHosts.hosts[0]!, name: 'lab2', kernel: '6.12.3-amd64' }, { ...twoHosts.hosts[0]!, nic: undefined }];
    assert.deepEqual(runDifferences(before, twoHosts, 'lab1'), {
      nicModel: { before: '82599ES 10-Gigabit SFI/SFP+', after: '(none)' },
      nicDriver: { before: 'ixgbe', after: '(none)' },
      nicDriverVersion: { before: '6.1.0', after: '(none)' },
      nicFirmware: { before: '0x800007f4', after: '(none)' },
      nicLinkSpeed: { before: '10000 Mbit/s', after: '(none)' },
      nicMtu: { before: '1500', after: '(none)' },
    });
  });

  it('names a link that came up at another speed or MTU, and another CPU', () => {
    const after = { ...withNic(fakeMeta({ runId: 'b' }), { linkSpeedMbps: 1000, mtu: 9000 }) };
    after.hosts = after.hosts.map((h) => ({ ...h, cpuModel: 'AMD EPYC 7543 32-Core Processor' }));
    assert.deepEqual(runDifferences(before, after, 'lab1'), {
      nicLinkSpeed: { before: '10000 Mbit/s', after: '1000 Mbit/s' },
      nicMtu: { before: '1500', after: '9000' },
      cpuModel: { before: 'Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz', after: 'AMD EPYC 7543 32-Core Processor' },
    });
  });
});
