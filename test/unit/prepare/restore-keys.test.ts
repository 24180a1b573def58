import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalHost } from '../../../harness/host/local-host.ts';
import { forgetGuestKeys, recordGuestKeys } from '../../../harness/guest/guest-key-journal.ts';
import { Journal, JournalError } from '../../../harness/prepare/journal.ts';
import { restoreFromJournal } from '../../../harness/prepare/restore.ts';
import { useSimLabs } from '../../support/sim-kernel.ts';
import { tempDir } from '../../support/temp-dirs.ts';

const JOURNAL = '/var/lib/passbench/journal.json';

describe('guest keys: removed when the guest stops, and by restore after a crash', () => {
  const lab = useSimLabs();

  async function guestWithKeys() {
    const l = await lab();
    const controllerRoot = await tempDir('pb-controller-');
    const controller = new LocalHost({ root: controllerRoot });
    const keysDir = '/tmp/passbench-guests-20261202T2000Z-ab12-XYZ';
    const journal = await Journal.open(l.sim, JOURNAL);
    const record = await recordGuestKeys(journal, { guest: 'vf0', hostDir: '/run/passbench/guests/vf0', controllerDir: `${keysDir}/lab1` });
    // What makeGuestKeys leaves: the host key folder on the lab host, the client key pair here.
    await l.sim.mkdir('/run/passbench/guests/vf0');
    await l.sim.writeFile('/run/passbench/guests/vf0/host_key.dropbear', 'secret');
    await controller.mkdir(`${keysDir}/lab1`);
    await controller.writeFile(`${keysDir}/lab1/vf0-client`, 'secret');
    await controller.writeFile(`${keysDir}/lab1/vf0-client.pub`, 'public');
    // recordGuestKeys names this machine as the controller.
    return { ...l, controller: { host: controller, name: os.hostname() }, controllerRoot, keysDir, record };
  }

  it('journals the lab host folder and the controller\'s folder of client keys', async () => {
    const t = await guestWithKeys();
    const steps = (await Journal.load(t.sim, JOURNAL))!.steps;
    assert.deepEqual(steps.map((s) => s.kind === 'files' && [s.where, s.path]), [
      ['host', '/run/passbench/guests/vf0'], ['controller', t.keysDir],
    ]);
  });

  it('stop: the lab host folder and the client key pair are removed, and forgotten by the journal', async () => {
    const t = await guestWithKeys();
    await forgetGuestKeys(t.controller.host, t.sim, t.record, `${t.keysDir}/lab1/vf0-client`);
    assert.equal(await t.sim.exists('/run/passbench/guests/vf0'), false);
    assert.deepEqual(await fs.readdir(path.join(t.controllerRoot, t.keysDir, 'lab1')), []);
    assert.equal(await t.sim.exists(JOURNAL), false);
  });

  it('after a crash, restore removes both (the controller folder only on the controller that made it)', async () => {
    const t = await guestWithKeys();
    const elsewhere = await restoreFromJournal(t.reopen(), { controller: { host: t.controller.host, name: 'other-controller' } });
    assert.equal(await t.sim.exists('/run/passbench/guests/vf0'), false);
    assert.ok(await t.controller.host.exists(`${t.keysDir}/lab1/vf0-client`), 'not this controller\'s to remove');
    const note = elsewhere.outcomes.flatMap((o) => (o.result === 'gone' ? [o.note] : []))[0];
    assert.match(note ?? '', new RegExp(`on controller ${os.hostname()}: remove them there \\(rm -r /tmp/passbench-guests-`));

    const t2 = await guestWithKeys();
    const here = await restoreFromJournal(t2.reopen(), { controller: t2.controller });
    assert.deepEqual(here.outcomes.map((o) => o.result), ['undone', 'undone']);
    assert.equal(await t2.controller.host.exists(t2.keysDir), false);
    assert.equal(await t2.sim.exists('/run/passbench/guests/vf0'), false);
  });

  it('a journal never names folders outside the guests\' own: a step for /etc is refused before it is written', async () => {
    const { sim } = await lab();
    const journal = await Journal.open(sim, JOURNAL);
    await assert.rejects(journal.begin({ kind: 'files', where: 'host', path: '/etc' }), JournalError);
    await assert.rejects(journal.begin({ kind: 'files', where: 'controller', controller: 'ctl', path: '/home/me' }), JournalError);
    assert.equal(await sim.exists(JOURNAL), false);
  });
});
