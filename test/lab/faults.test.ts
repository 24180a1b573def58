import assert from 'node:assert/strict';
import { execa } from 'execa';
import { labShell, sharedLab, sharedLabName } from '../support/shared-lab.ts';

/**
 * Faults against the virtual lab (real kernel, over SSH). The state before and after is read
 * independently of the harness (a shell loop over sysfs) and must be equal.
 *
 * Here: the harness SIGKILLed in the middle of binding VFs to vfio-pci, then `passbench restore`.
 * The faults that need guests (QEMU killed, a guest hanging at boot, SSH dropped, iperf3 hanging)
 * follow once the runner drives real guests.
 */
const SNAPSHOT = `for d in /sys/bus/pci/devices/*; do
  printf '%s driver=%s override=%s numvfs=%s\\n' "$(basename $d)" \
    "$(basename "$(readlink $d/driver)" 2>/dev/null)" "$(cat $d/driver_override)" "$(cat $d/sriov_numvfs 2>/dev/null)"
done`;

describe('faults in the virtual lab', function () {
  this.timeout(900_000);
  let config = '';
  const journal = '/run/passbench-faults-journal.json';
  const passbench = (...args: string[]) =>
    execa('./bin/passbench.js', [...args, '--lab', config, '--host', sharedLabName], { reject: false, timeout: 300_000 });

  before(async () => {
    config = (await sharedLab()).paths.config;
  });

  it('SIGKILL of the harness mid-bind, then `passbench restore`: the host is as before', async () => {
    const pf = (await labShell('for d in /sys/bus/pci/devices/*; do [ "$(cat $d/device)" = 0x10c9 ] && basename $d; done; true')).trim().split('\n')[0];
    assert.ok(pf, 'no igb PF in the lab');
    const before = await labShell(SNAPSHOT);
    const child = execa('./bin/passbench.js', ['sriov', pf, '--vfs', '2', '--bind-vfio', '--journal', journal, '--lab', config, '--host', sharedLabName], { reject: false });
    let killedDuring = '';
    // Wait until the journal records a VF bind (the VFs exist, binding is under way), then kill -9.
    for (let i = 0; i < 600 && child.exitCode === null; i++) {
      const text = await labShell(`cat ${journal} 2>/dev/null; true`);
      if (/"kind": "driver"/.test(text)) {
        child.kill('SIGKILL');
        killedDuring = text;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const ended = await child;
    assert.ok(killedDuring, `passbench sriov ended (exit ${ended.exitCode}) before it could be killed mid-bind:\n${ended.stderr}`);
    assert.equal(ended.signal, 'SIGKILL');
    assert.notEqual(await labShell(SNAPSHOT), before, 'the kill left the host changed (VFs made), as a crash would');

    const restore = await passbench('restore', '--journal', journal);
    assert.equal(restore.exitCode, 0, `${restore.stdout}\n${restore.stderr}`);
    assert.match(restore.stdout, /Restored; journal .* removed/);
    assert.equal(await labShell(SNAPSHOT), before);
    assert.equal((await labShell(`test -e ${journal} && echo left; true`)).trim(), '');
    // Nothing of the killed run lingers on the controller.
    assert.throws(() => process.kill(child.pid!, 0), /ESRCH/);
  });
});
