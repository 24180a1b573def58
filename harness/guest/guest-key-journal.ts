import os from 'node:os';
import path from 'node:path';
import type { Host } from '../host/host.ts';
import { CONTROLLER_FILES, HOST_FILES } from '../prepare/journal-schema.ts';
import type { Journal } from '../prepare/journal.ts';

/**
 * A guest's keys, journalled while they exist: its folder on the lab host (/run/passbench/guests/
 * NAME: the host key QEMU hands the guest) and the controller's folder of client keys. When the
 * guest stops both are removed here; after passbench was killed, `passbench restore` removes them.
 */
export interface GuestKeyRecord {
  journal?: Journal;
  hostDir: string;
  ids: number[];
}

export async function recordGuestKeys(journal: Journal | undefined, o: { guest: string; hostDir: string; controllerDir: string }): Promise<GuestKeyRecord> {
  const record: GuestKeyRecord = { journal, hostDir: o.hostDir, ids: [] };
  if (!journal) return record;
  if (HOST_FILES.test(o.hostDir)) record.ids.push(await journal.begin({ kind: 'files', where: 'host', path: o.hostDir, guest: o.guest }));
  // The run's whole temp folder of keys (passbench-guests-RUN-XXXX) when the guest's is inside one.
  const root = CONTROLLER_FILES.test(path.dirname(o.controllerDir)) ? path.dirname(o.controllerDir) : o.controllerDir;
  if (CONTROLLER_FILES.test(root)) {
    record.ids.push(await journal.begin({ kind: 'files', where: 'controller', controller: os.hostname(), path: root, guest: o.guest }));
  }
  return record;
}

/**
 * The guest's QEMU is gone: its lab-host folder and the client key pair made for it go too
 * (`identityFile` undefined: none was made, the user's own key stays where it is).
 */
export async function forgetGuestKeys(controller: Host, lab: Host, record: GuestKeyRecord, identityFile: string | undefined): Promise<void> {
  await lab.remove(record.hostDir);
  if (identityFile !== undefined) {
    await controller.remove(identityFile);
    await controller.remove(`${identityFile}.pub`);
  }
  if (record.journal && record.ids.length) await record.journal.drop(record.ids);
}
