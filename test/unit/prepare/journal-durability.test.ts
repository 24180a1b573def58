import assert from 'node:assert/strict';
import { HostFileError } from '../../../harness/errors.ts';
import type { Host } from '../../../harness/host/host.ts';
import { LocalHost } from '../../../harness/host/local-host.ts';
import type { Bdf } from '../../../harness/pci/bdf.ts';
import { assignGroups } from '../../../harness/prepare/assign-group.ts';
import { configureVfs } from '../../../harness/prepare/sriov.ts';
import { LAB, useSimLabs } from '../../support/sim-kernel.ts';
import { tempDir } from '../../support/temp-dirs.ts';

const DIR = '/var/lib/passbench';
const JOURNAL = `${DIR}/journal.json`;

/**
 * What reaches the host, in order: file writes and durable replaces (Host.replaceFile fsyncs the
 * content before its rename and the folder after it: test/unit/host/replace-file.test.ts).
 */
function recording(sim: Host): { host: Host; events: string[] } {
  const events: string[] = [];
  const host = Object.create(sim) as Host;
  host.writeFile = async (p, d, o) => { events.push(`write ${p}`); return sim.writeFile(p, d, o); };
  host.rename = async (a, b) => { events.push(`rename ${a} ${b}`); return sim.rename(a, b); };
  host.replaceFile = async (p, d, o) => { events.push(`replace ${p}`); return sim.replaceFile(p, d, o); };
  return { host, events };
}

/** Every sysfs write comes after the journal was replaced durably, and no journal goes by a plain write or rename. */
function assertDurableBeforeEachSysfsWrite(events: string[]): number {
  assert.deepEqual(events.filter((e) => !e.startsWith('write /sys/') && e !== `replace ${JOURNAL}`), [], 'the journal is written only by replaceFile');
  const sysfs = events.flatMap((e, i) => (e.startsWith('write /sys/') ? [i] : []));
  for (const i of sysfs) {
    assert.ok(events.slice(0, i).includes(`replace ${JOURNAL}`), `${events[i]}: no journal written before it`);
  }
  return sysfs.length;
}

describe('prepare/journal durability: replaced durably before each sysfs write', () => {
  const lab = useSimLabs();

  it('bind: the journal file and its folder are on disk before every sysfs write', async () => {
    const { sim } = await lab();
    const { host, events } = recording(sim);
    await assignGroups(host, [LAB.lpc as Bdf], { probeActive: async () => [], force: true });
    assert.ok(assertDurableBeforeEachSysfsWrite(events) >= 6);
  });

  it('sriov with --bind-vfio: the same for sriov_numvfs and each VF', async () => {
    const { sim } = await lab();
    const { host, events } = recording(sim);
    await configureVfs(host, LAB.pf as Bdf, 2, { bindVfio: true });
    assert.ok(assertDurableBeforeEachSysfsWrite(events) >= 7);
  });
});

describe('LocalHost.sync (fsync through the Host)', () => {
  it('fsyncs files and folders below its root; a missing path is an error naming it', async () => {
    const host = new LocalHost({ root: await tempDir('pb-sync-') });
    await host.mkdir('/var/lib/passbench');
    await host.writeFile(JOURNAL, '{}');
    await host.sync!([JOURNAL, DIR]);
    await assert.rejects(host.sync!([`${DIR}/missing.json`]), (e: unknown) => e instanceof HostFileError && /fsync \/var\/lib\/passbench\/missing\.json/.test(e.message));
  });
});
