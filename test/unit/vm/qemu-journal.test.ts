import assert from 'node:assert/strict';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { LocalHost } from '../../../harness/host/local-host.ts';
import { readProcessIdentity } from '../../../harness/host/process-identity.ts';
import { Journal } from '../../../harness/prepare/journal.ts';
import { restoreFromJournal } from '../../../harness/prepare/restore.ts';
import { launchGuest } from '../../../harness/vm/launcher.ts';
import type { GuestSpec } from '../../../harness/vm/qemu-args.ts';
import { tempDir } from '../../support/temp-dirs.ts';

/** A real local QEMU (TCG, paused): journalled as it starts, stopped by restore when its launcher "died". */
describe('launchGuest journals its QEMU (real QEMU on this machine, paused)', function () {
  this.timeout(60_000);
  const host = new LocalHost();
  const running = async (name: string) => (await execa('pgrep', ['-f', `-name ${name} `], { reject: false })).stdout.trim();

  async function setup(name: string) {
    const dir = await tempDir('pb-qemu-journal-');
    await writeFile(path.join(dir, 'empty.iso'), '');
    const spec: GuestSpec = {
      name, accel: 'tcg', memoryMiB: 128, cpus: 1, paused: true, boot: { kind: 'iso', iso: path.join(dir, 'empty.iso') },
      nic: { model: 'e1000', netdev: { kind: 'user' } },
      qmpSocket: path.join(dir, `${name}.qmp`), serialLog: path.join(dir, `${name}.log`), pidFile: path.join(dir, `${name}.pid`),
    };
    const journalPath = path.join(dir, 'journal.json');
    return { spec, journalPath, journal: await Journal.open(host, journalPath) };
  }

  it('records pid, start time and argv of the running QEMU; restore stops exactly it after the launcher is gone', async () => {
    const name = `pbjournal${process.pid}a`;
    const { spec, journalPath, journal } = await setup(name);
    const g = await launchGuest(host, spec, { journal });
    try {
      const step = (await Journal.load(host, journalPath))!.steps[0]!;
      assert.equal(step.kind, 'qemu');
      if (step.kind !== 'qemu') return;
      const now = await readProcessIdentity(host, g.pid);
      assert.equal(step.pid, g.pid);
      assert.equal(step.startTime, now?.startTime);
      assert.deepEqual(step.argv, now?.argv);
      // The launcher "dies" here (nothing calls g.stop()); restore finds QEMU by the journal alone.
      const r = await restoreFromJournal(host, { journalPath, qemu: { termMs: 5_000 } });
      assert.deepEqual(r.outcomes.map((o) => o.result), ['undone']);
      assert.equal(await running(name), '');
      assert.equal(r.left.length, 0);
      assert.equal(await host.exists(journalPath), false);
    } finally {
      await g.stop({ powerdownMs: 0, quitMs: 1_000 }).catch(() => undefined);
    }
  });

  it('a guest stopped the normal way leaves nothing in the journal', async () => {
    const name = `pbjournal${process.pid}b`;
    const { spec, journalPath, journal } = await setup(name);
    const g = await launchGuest(host, spec, { journal });
    assert.equal((await Journal.load(host, journalPath))?.steps.length, 1);
    await g.stop({ powerdownMs: 300 });
    assert.equal(await host.exists(journalPath), false);
    assert.equal(await running(name), '');
  });

  it('a QEMU that could not even be spawned leaves nothing in the journal', async () => {
    const { spec, journalPath, journal } = await setup(`pbjournal${process.pid}c`);
    const broken = Object.create(host) as LocalHost;
    broken.spawn = async () => { throw new Error('spawn failed (simulated)'); };
    await assert.rejects(launchGuest(broken, spec, { journal }), /spawn failed/);
    assert.equal(await host.exists(journalPath), false);
  });
});
