import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import type { HostProcess } from '../../../harness/host/host.ts';
import { LocalHost } from '../../../harness/host/local-host.ts';
import { GuestLaunchError, describeQemuExit, launchGuest } from '../../../harness/vm/launcher.ts';
import type { GuestSpec } from '../../../harness/vm/qemu-args.ts';
import { parseBdf } from '../../../harness/pci/bdf.ts';

/** launchGuest with a real local QEMU (TCG, paused with -S: nothing boots, only the lifecycle is under test). */
describe('launchGuest (real QEMU on this machine, paused)', function () {
  this.timeout(60_000);
  const host = new LocalHost();
  let dir = '';
  const spec = (name: string, extra: Partial<GuestSpec> = {}): GuestSpec => ({
    name, accel: 'tcg', memoryMiB: 128, cpus: 1, paused: true,
    boot: { kind: 'iso', iso: path.join(dir, 'empty.iso') },
    nic: { model: 'e1000', netdev: { kind: 'user' } },
    qmpSocket: path.join(dir, `${name}.qmp`), serialLog: path.join(dir, `${name}.log`), pidFile: path.join(dir, `${name}.pid`),
    ...extra,
  });
  const running = async (name: string) => (await execa('pgrep', ['-f', `-name ${name} `], { reject: false })).stdout.trim();

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pb-launch-'));
    await writeFile(path.join(dir, 'empty.iso'), '');
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('starts QEMU, says it runs TCG, shows the e1000 in query-pci, and stop() leaves no process (idempotent)', async () => {
    const name = `pblaunch${process.pid}a`;
    const g = await launchGuest(host, spec(name));
    try {
      assert.equal(g.accel, 'tcg');
      assert.ok(g.pid > 1);
      const pci = await g.queryPci();
      assert.ok(pci.some((d) => `${d.vendorId}:${d.deviceId}` === '8086:100e'), JSON.stringify(pci));
      assert.equal(typeof (await g.consoleTail()), 'string');
    } finally {
      // Paused: the guest ignores the power button, so quit (then kill) must finish the job.
      await g.stop({ powerdownMs: 300 });
    }
    await g.stop();
    assert.equal((await g.exited).code !== undefined, true);
    assert.equal(await running(name), '');
  });

  it('fails with what QEMU printed, and leaves no QEMU, when a vfio device cannot be opened', async () => {
    const name = `pblaunch${process.pid}b`;
    await assert.rejects(
      launchGuest(host, spec(name, { vfio: [{ host: parseBdf('0000:7f:1f.7'), romfile: '' }] }), { deadlineMs: 20_000 }),
      (e: unknown) => {
        assert.ok(e instanceof GuestLaunchError, String(e));
        assert.match(e.message, /did not start/);
        assert.match(e.message, /QEMU printed:\n.*vfio.*0000:7f:1f\.7/s);
        return true;
      },
    );
    assert.equal(await running(name), '');
  });

  it('a QEMU that never answers and survives SIGKILL: the error names both, the first cause first', async function () {
    this.timeout(60_000);
    // A host whose QEMU is stuck in its kernel: it never opens QMP, and no signal ends it.
    const stuckHost = new (class extends LocalHost {
      override async spawn(argv: readonly string[]): Promise<HostProcess> {
        return { argv, exited: new Promise(() => {}), kill: async () => {} };
      }
    })();
    const name = `pblaunch${process.pid}c`;
    await assert.rejects(launchGuest(stuckHost, spec(name), { deadlineMs: 1_000 }), (e: unknown) => {
      assert.ok(e instanceof GuestLaunchError, String(e));
      assert.match(e.message, /^guest pblaunch\d+c on local did not start: .*QMP.*\nand then QEMU \(.*\) did not exit 15 s after SIGKILL: it is stuck in local's kernel/s);
      return true;
    });
  });
});

describe('vm/launcher describeQemuExit: how a QEMU ended, for messages', () => {
  it('names a signal, an exit code, a lost connection, and the last lines QEMU printed', () => {
    assert.equal(describeQemuExit({ code: null, signal: 'SIGKILL', output: '' }), 'was killed by SIGKILL');
    assert.equal(describeQemuExit({ code: 1, signal: null, output: 'a\nb\nqemu: hardware error\nvfio: DMA mapping failed\n' }),
      'exited with code 1 (it printed: b | qemu: hardware error | vfio: DMA mapping failed)');
    assert.match(describeQemuExit({ code: null, signal: null, output: '' }), /^ended with no exit status \(the connection to its host was lost\?\)$/);
  });
});
