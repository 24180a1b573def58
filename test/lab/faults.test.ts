import assert from 'node:assert/strict';
import { execa } from 'execa';
import { trafficShell, labShell, sharedLab, sharedLabName, SNAPSHOT } from '../support/shared-lab.ts';
import { controllerLeftovers, dropGuestSessions, firstSamples, keyFolders, labLeftovers, resetLab, startFaultRun, VF_PF, waitFor, type FaultRun } from './fault-run.ts';

/**
 * Faults against the virtual lab (real kernel, over SSH). The state before and after is read
 * independently of the harness (a shell loop over sysfs) and must be equal.
 *
 * Each fault goes through the real runner (`passbench run` as a child process, one VF guest, TCP
 * only) and must end with: a clear error (exit code, message naming what happened), no nested
 * QEMU/iperf3 left in the lab and nothing of the run left on the controller, every sample measured
 * before the fault kept in samples.jsonl, and the lab's drivers/overrides/numvfs as before.
 * Nested guests boot in minutes under TCG-in-TCG: only the faults that need one boot one.
 */

describe('faults in the virtual lab', function () {
  this.timeout(3_000_000);
  let config = '';
  const journal = '/run/passbench-faults-journal.json';
  const passbench = (...args: string[]) =>
    execa('./bin/passbench.js', [...args, '--lab', config, '--host', sharedLabName], { reject: false, timeout: 300_000 });

  before(async () => {
    config = (await sharedLab()).paths.config;
  });

  // A failed fault test may leave the lab changed: put it back so the next test starts clean.
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await resetLab([journal]);
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
  /** After every fault run: the run ended, nothing of it runs anywhere, the lab is as before. */
  async function assertCleanEnd(run: FaultRun, before: string): Promise<void> {
    assert.notEqual(run.child.exitCode, null, 'the run is still going');
    assert.equal(await labLeftovers(), '', 'nested QEMU or iperf3 left running in the lab');
    assert.equal(await controllerLeftovers(run, run.child.pid), '', 'processes of the run left on the controller');
    assert.equal(await labShell(SNAPSHOT), before, 'drivers/overrides/numvfs of the lab host differ from before the run');
    assert.deepEqual(await keyFolders(run), [], 'the run\'s guest keys were left in the temp folder');
  }

  /** Waits for the run to end (generous: the lab is TCG on a shared 2-core machine). */
  async function ended(run: FaultRun, ms = 900_000) {
    await waitFor('the run to end', ms, async () => run.child.exitCode !== null || run.child.signalCode !== null);
    return run.child;
  }

  it('VF creation refused (someone else\'s VF on vfio-pci): refused by validation, nothing changed, no guest', async () => {
    const original = await labShell(SNAPSHOT);
    // "Someone else": one VF of the PF, bound to vfio-pci as a VM of theirs would have it.
    const vf = (await labShell(`set -e; pf=/sys/bus/pci/devices/${VF_PF}; echo 1 > $pf/sriov_numvfs; i=0; while [ ! -e $pf/virtfn0 ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
      vf=$(basename $(readlink $pf/virtfn0)); d=/sys/bus/pci/devices/$vf
      echo vfio-pci > $d/driver_override; [ -e $d/driver ] && echo $vf > $d/driver/unbind; echo $vf > /sys/bus/pci/drivers_probe; echo $vf`)).trim();
    try {
      const before = await labShell(SNAPSHOT);
      assert.match(before, new RegExp(`${vf.replace(/[.]/g, '\\.')} driver=vfio-pci`), 'the other user\'s VF is not on vfio-pci');
      const run = await startFaultRun({ scenario: 'sriov', count: 2 });
      const r = await ended(run);
      const out = run.output();
      // The runner's read-only validation refuses before anything changes (exit 2: the plan does not fit the host).
      assert.equal(r.exitCode, 2, out);
      assert.match(out, new RegExp(`host ${sharedLabName}: the plan does not fit this host, nothing was changed:\\s+- ${VF_PF} is an SR-IOV PF with VFs in use \\(${vf} on vfio-pci\\)`), out);
      assert.match(out, new RegExp(`host ${sharedLabName}: INVALID`), out);
      assert.doesNotMatch(out, /boot the guests/, 'a guest was booted after the refusal');
      assert.deepEqual(await run.samples(), []);
      await assertCleanEnd(run, before);
    } finally {
      await labShell(`d=/sys/bus/pci/devices/${vf}; [ -e $d/driver ] && echo ${vf} > $d/driver/unbind; echo > $d/driver_override; echo 0 > /sys/bus/pci/devices/${VF_PF}/sriov_numvfs; true`);
    }
    assert.equal(await labShell(SNAPSHOT), original);
  });

  it('a guest whose kernel panics at boot: the run fails at once with the panic and the console; host restored', async () => {
    const before = await labShell(SNAPSHOT);
    // /init is /bin/false, so the kernel panics ("Attempted to kill init") and halts there, its
    // timestamped boot log on the console (no `quiet`). The run must not wait out its boot deadline
    // (set far away here: reaching it fails the test by time).
    const run = await startFaultRun({ scenario: 'sriov', durations: { bootS: 1800 }, append: ['console=ttyS0', 'ignore_loglevel', 'printk.time=1', 'rdinit=/bin/false'] });
    const r = await ended(run);
    const out = run.output();
    assert.equal(r.exitCode, 1, out);
    assert.match(out, /boot the guests: guest vf0: the guest's kernel panicked: .*Kernel panic - not syncing: Attempted to kill init/, out);
    // The console's lines are in the error: the kernel's own timestamped lines.
    assert.match(out.slice(out.indexOf('console:')), /\[\s*\d+\.\d+\]/, out);
    assert.deepEqual(await run.samples(), []);
    await assertCleanEnd(run, before);
  });

  it('QEMU killed mid-measurement: the run fails naming the measurement, samples kept, host restored', async () => {
    const before = await labShell(SNAPSHOT);
    // Against the lab's traffic host (a peer of its own, issue 13): checked, locked while the case
    // measures, and let go of when the measurement fails.
    const run = await startFaultRun({ scenario: 'sriov', peer: 'traffic' });
    const kept = await firstSamples(run);
    const killed = (await labShell('for p in /proc/[0-9]*; do case "$(cat $p/comm 2>/dev/null)" in qemu*) kill -KILL ${p#/proc/}; echo ${p#/proc/};; esac; done; true')).trim();
    assert.ok(killed, 'no nested QEMU to kill');
    const r = await ended(run);
    const out = run.output();
    assert.equal(r.exitCode, 1, out);
    // Noticed the moment QEMU died (scenario/guest-watch.ts), not at the measurement's deadline.
    assert.match(out, /measure: measurement tcp\S* (warm-up|repetition \d+) failed for guest vf0 \(vf\) after \d+ samples were kept: guest vf0: its QEMU was killed by SIGKILL during the measurement of vf0/, out);
    const samples = await run.samples();
    assert.ok(samples.length >= kept.length, `samples.jsonl has ${samples.length} samples, ${kept.length} were there before the kill`);
    assert.deepEqual(samples.slice(0, kept.length), kept);
    const peer = (await run.checks()).find((c) => c.name === 'peer');
    assert.match(String(peer?.message), new RegExp(`^10\\.0\\.3\\.11 on ${sharedLabName}-traffic eth0, a traffic peer \\(its traffic lock is held while the case measures\\); iperf 3\\.\\d+$`), JSON.stringify(peer));
    assert.equal(await trafficShell('ls /var/lib/passbench; pgrep -x iperf3 || true'), '', 'the traffic lock released, no iperf3 server left on the traffic host');
    await assertCleanEnd(run, before);
  });

  it('iperf3 hanging (server SIGSTOPped): the deadline kills it and names the test and repetition; samples kept', async () => {
    const before = await labShell(SNAPSHOT);
    const run = await startFaultRun({ scenario: 'sriov', durations: { measureS: 8 } });
    const kept = await firstSamples(run);
    // The next repetition's server, stopped the moment it appears (before or while its client
    // talks to it): one picked later could be past its test already, and the run would not notice.
    const findServer = 'for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = iperf3 ] && echo ${p#/proc/}; done; true';
    const pids = async () => (await labShell(findServer)).trim().split('\n').filter(Boolean);
    const seen = new Set(await pids());
    const stopped = await waitFor('a new iperf3 server', 600_000, async () => {
      const fresh = (await pids()).find((p) => !seen.has(p));
      if (!fresh) return undefined;
      seen.add(fresh);
      // It may have ended in between: then wait for the next one.
      return (await labShell(`kill -STOP ${fresh} 2>/dev/null && echo stopped; true`)).trim() === 'stopped' ? fresh : undefined;
    }, 300);
    assert.ok(stopped);
    const r = await ended(run);
    const out = run.output();
    assert.equal(r.exitCode, 1, out);
    assert.match(out, /measurement tcp\S* (warm-up|repetition \d+) failed for guest vf0 \(vf\) after \d+ samples were kept: iperf3 tcp.*(no result after \d+ ms|did not finish)/, out);
    const samples = await run.samples();
    assert.ok(samples.length >= kept.length);
    assert.deepEqual(samples.slice(0, kept.length), kept);
    await assertCleanEnd(run, before);
  });
  it('the SSH connection to the guest dropped mid-measurement: clear error, samples kept, guest stopped, host restored', async () => {
    const before = await labShell(SNAPSHOT);
    const run = await startFaultRun({ scenario: 'sriov', durations: { measureS: 8 } });
    const kept = await firstSamples(run);
    // The guest's sshd (dropbear) loses the runner's session: its child for that connection is killed.
    const dropped = await dropGuestSessions(run, 'vf0', '10.0.3.31');
    assert.match(dropped, /killed \d+/, 'no session of the runner found in the guest');
    const r = await ended(run);
    const out = run.output();
    assert.equal(r.exitCode, 1, out);
    assert.match(out, /measure: measurement tcp\S* (warm-up|repetition \d+) failed for guest vf0 \(vf\) after \d+ samples were kept/, out);
    assert.doesNotMatch(out, /CLEANUP FAILED/, out);
    const samples = await run.samples();
    assert.ok(samples.length >= kept.length);
    assert.deepEqual(samples.slice(0, kept.length), kept);
    await assertCleanEnd(run, before);
  });
});
