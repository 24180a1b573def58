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
 * What reaches the host, in order: file writes, renames and fsyncs. The simulated kernel holds no
 * real disk, so `sync` is recorded here instead (both real hosts implement it).
 */
function recording(sim: Host): { host: Host; events: string[] } {
  const events: string[] = [];
  const host = Object.create(sim) as Host;
  host.sync = async (paths) => { events.push(...paths.map((p) => `sync ${p}`)); };
  host.writeFile = async (p, d, o) => { events.push(`write ${p}`); return sim.writeFile(p, d, o); };
  host.rename = async (a, b) => { events.push(`rename ${a} ${b}`); return sim.rename(a, b); };
  return { host, events };
}

/** Every sysfs write comes after a journal replaced in full: temp synced, renamed, folder synced. */
function assertDurableBeforeEachSysfsWrite(events: string[]): number {
  const sysfs = events.flatMap((e, i) => (e.startsWith('write /sys/') ? [i] : []));
  for (const i of sysfs) {
    const renamed = events.slice(0, i).findLastIndex((e) => e.endsWith(` ${JOURNAL}`) && e.startsWith('rename '));
    assert.ok(renamed > 0, `${events[i]}: no journal written before it`);
    const tmp = events[renamed]!.split(' ')[1]!;
    assert.equal(events[renamed - 1], `sync ${tmp}`, `${events[i]}: the journal's new content was not fsynced before the rename`);
    assert.ok(events.slice(renamed, i).includes(`sync ${DIR}`), `${events[i]}: the journal's folder was not fsynced after the rename`);
  }
  return sysfs.length;
}

describe('prepare/journal durability: fsynced before each sysfs write', () => {
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
