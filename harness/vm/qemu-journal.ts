import type { Host } from '../host/host.ts';
import { readProcessIdentity } from '../host/process-identity.ts';
import type { Bdf } from '../pci/bdf.ts';
import type { Journal } from '../prepare/journal.ts';
import type { GuestSpec } from './qemu-args.ts';

/**
 * A guest's QEMU in the host's journal, so that `passbench restore` can stop it after passbench
 * itself was killed (it holds the assigned devices: nothing else is restored while it runs).
 * Recorded before QEMU is spawned (argv, pid file), completed with pid and start time once QEMU
 * wrote its pid file, forgotten once it exited.
 */
export interface QemuRecord {
  started(pid: number): Promise<void>;
  ended(): Promise<void>;
}

const NOTHING: QemuRecord = { started: async () => undefined, ended: async () => undefined };

export async function recordQemu(journal: Journal | undefined, host: Host, spec: GuestSpec, argv: readonly string[]): Promise<QemuRecord> {
  if (!journal) return NOTHING;
  const id = await journal.begin({
    kind: 'qemu', guest: spec.name, argv: [...argv], pidFile: spec.pidFile, devices: (spec.vfio ?? []).map((d) => d.host as Bdf),
  });
  let ended = false;
  return {
    started: async (pid) => {
      if (pid < 2) return; // no pid file: restore looks there again
      const identity = await readProcessIdentity(host, pid).catch(() => undefined);
      await journal.update(id, (step) => {
        if (step.kind !== 'qemu') return;
        step.pid = pid;
        step.startTime = identity?.startTime;
        step.status = 'done';
      });
    },
    ended: async () => {
      if (ended) return;
      ended = true;
      await journal.drop([id]);
    },
  };
}
