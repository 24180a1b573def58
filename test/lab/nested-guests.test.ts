import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { LocalHost } from '../../harness/host/local-host.ts';
import type { SshHost } from '../../harness/host/ssh-host.ts';
import type { HostProcess } from '../../harness/host/host.ts';
import type { Bdf } from '../../harness/pci/bdf.ts';
import { bindWithDriverOverride, rebindOriginal } from '../../harness/pci/driver-ops.ts';
import { setNumVfs } from '../../harness/pci/sriov-ops.ts';
import { connectLab } from '../../harness/lab/lab-ssh.ts';
import { ensureLabPeer, LAB_PEER_ADDRESS, vfGuestAddress, WHOLE_NIC_GUEST_ADDRESS, type LabNics } from '../../harness/lab/lab-network.ts';
import { startGuest, type Guest, type GuestOptions } from '../../harness/guest/guest.ts';
import { linkVerdict, proveDevice } from '../../harness/guest/prove-device.ts';
import { consoleLinkState } from '../../harness/guest/console-link.ts';
import { labShell, sharedLab } from '../support/shared-lab.ts';
import { waitUntil } from '../../harness/wait/index.ts';

/**
 * Nested guests inside the virtual lab host (issue 3 point 4): a whole igb PF and an igb VF passed
 * through with vfio-pci, and an emulated e1000, each booted by the lab host's own QEMU (KVM inside
 * the lab host where it works, else TCG inside TCG), reached over SSH through the lab host with its host key pinned, proven from inside, and
 * passing traffic to the peer 10.0.3.10. The three boot in parallel.
 */
describe('nested guests in the virtual lab (vfio-pci whole NIC, VF, e1000)', function () {
  this.timeout(2_700_000);
  const controller = new LocalHost();
  let lab: SshHost;
  let nics: LabNics;
  let vf: Bdf | undefined;
  let keyDir = '';
  let iperfServer: HostProcess | undefined;
  let accel: 'kvm' | 'tcg' = 'tcg';
  const guests = new Map<string, Guest>();
  const log = (l: string) => process.stderr.write(`      ${l}\n`);

  before(async function () {
    const { paths, state } = await sharedLab();
    lab = await connectLab(paths, state);
    nics = await ensureLabPeer(lab);
    keyDir = await mkdtemp(path.join(os.tmpdir(), 'passbench-guests-'));
    // VF of the first PF (which stays on igb, up); the second PF is passed through whole.
    const [pfVfs, pfWhole] = nics.igbPfs as [Bdf, Bdf];
    vf = (await setNumVfs(lab, pfVfs, 1))[0]!;
    await bindWithDriverOverride(lab, vf, 'vfio-pci');
    await bindWithDriverOverride(lab, pfWhole, 'vfio-pci');
    // A run that an earlier lab test killed mid-measurement can leave its one-shot iperf3 server
    // listening on 5201. Most likely what a clean-clone .ci/run saw on 3 December: the whole-NIC
    // guest's iperf3 worked, then the VF's and e1000's found nothing listening (this file alone
    // passed right after). Ours now either listens or fails here, naming what it said.
    await labShell('for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = iperf3 ] && kill -KILL ${p#/proc/}; done; true');
    const said: string[] = [];
    iperfServer = await lab.spawn(['iperf3', '-s', '-B', LAB_PEER_ADDRESS, '--forceflush'], { onLine: (l) => said.push(l) });
    let ended = false;
    void iperfServer.exited.then(() => { ended = true; });
    await waitUntil('the peer\'s iperf3 server to listen', async () => {
      if (said.some((l) => /Server listening on 5201/.test(l))) return true;
      if (ended) throw new Error(`the peer's iperf3 server exited: ${said.join(' | ')}`);
      return undefined;
    }, { deadline: 60_000, intervalMs: 200, fatal: () => ended });

    const images = state.guestImages!;
    // The lab's own choice for its guests: KVM inside the lab host where it works (seconds to boot),
    // else TCG inside TCG (three such guests took ~5 min on a quiet 2-core machine, 707 s to /init
    // in one CI run with two other labs beside it). The deadline only catches a hang; it is not a
    // speed target (bench/nested-boot.ts measures speed).
    accel = state.guestAccel ?? 'tcg';
    const base = { images, controllerDir: keyDir, log, deadlineMs: 2_400_000, accel } satisfies Partial<GuestOptions>;
    const specs: GuestOptions[] = [
      { ...base, name: 'whole-nic', kind: 'nic', bdf: pfWhole, address: WHOLE_NIC_GUEST_ADDRESS },
      { ...base, name: 'vf', kind: 'vf', bdf: vf, address: vfGuestAddress(0) },
      { ...base, name: 'e1000', kind: 'e1000' },
    ];
    const started = await Promise.allSettled(specs.map((s) => startGuest(controller, lab, s)));
    for (const r of started) if (r.status === 'fulfilled') guests.set(r.value.name, r.value);
    const failed = started.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) throw failed[0]!.reason;
    for (const g of guests.values()) log(`${g.name}: SSH ready ${(g.sshReadyMs / 1000).toFixed(1)} s after QEMU start (${g.guest.accel})`);
  });

  after(async function () {
    this.timeout(300_000);
    // Every step bounded and reported: a cleanup that hangs must not hide the test's own failure.
    const step = async (what: string, run: () => Promise<unknown>) => {
      const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 60 s')), 60_000).unref());
      await Promise.race([run(), timeout]).catch((e: unknown) => log(`cleanup: ${what}: ${String(e)}`));
    };
    await step('stop guests', () => Promise.allSettled([...guests.values()].map((g) => g.stop())));
    await step('iperf3 server', async () => iperfServer?.kill());
    if (lab) {
      const [pfVfs, pfWhole] = nics.igbPfs;
      await step(`rebind ${pfWhole}`, () => rebindOriginal(lab, pfWhole!, 'igb', undefined));
      if (vf) await step(`rebind ${vf}`, () => rebindOriginal(lab, vf!, 'igbvf', undefined));
      await step('numvfs 0', () => setNumVfs(lab, pfVfs!, 0));
      await step('peer', () => ensureLabPeer(lab));
      await step('close', () => lab.close());
    }
    if (keyDir) await rm(keyDir, { recursive: true, force: true });
  });

  const guest = (name: string) => {
    const g = guests.get(name);
    assert.ok(g, `guest ${name} did not start`);
    return g;
  };

  for (const name of ['whole-nic', 'vf', 'e1000']) {
    it(`${name}: QMP query-pci, then SSH (pinned key): vendor:device, driver, link up, address`, async () => {
      const g = guest(name);
      assert.equal(g.guest.accel, accel);
      if (g.kind !== 'e1000') {
        const pci = await g.guest.queryPci();
        assert.ok(pci.some((d) => d.qdevId === 'hostdev0' && `${d.vendorId}:${d.deviceId}` === g.expect.vendorDevice), JSON.stringify(pci));
      }
      const proof = await proveDevice(g.ssh, g.expect);
      assert.equal(proof.vendorDevice, g.expect.vendorDevice);
      assert.equal(proof.driver, g.expect.driver);
      assert.equal(proof.address, g.expect.address);
      assert.ok(proof.linkUp, linkVerdict(proof).text);
      assert.match(proof.lspci, new RegExp(g.expect.vendorDevice));
      // What ran inside: the guest kernel (passbench's own, vm-images/build-guest-kernel.sh) and the driver's version.
      assert.match(proof.guestKernel ?? '', /^\d+\.\d+\.\d+-passbench$/);
      assert.ok((proof.driverVersion ?? '').length > 0, 'driver version recorded');
    });
  }

  for (const name of ['whole-nic', 'vf', 'e1000']) {
    it(`${name}: pings the peer ${LAB_PEER_ADDRESS} and runs a short iperf3 to it`, async () => {
      const g = guest(name);
      const ping = await g.ssh.run(['ping', '-c', '3', '-W', '5', LAB_PEER_ADDRESS], { allowFailure: true, timeoutMs: 60_000 });
      assert.match(ping.stdout, /3 packets received/, `${ping.stdout}${ping.stderr}`);
      const iperf = await g.ssh.run(['iperf3', '-c', LAB_PEER_ADDRESS, '-t', '2', '-J'], { timeoutMs: 120_000, allowFailure: true });
      const bps = (JSON.parse(iperf.stdout || '{}') as { end?: { sum_received?: { bits_per_second?: number } } }).end?.sum_received?.bits_per_second;
      assert.ok(typeof bps === 'number' && bps > 0, `iperf3: ${iperf.stdout.slice(0, 400)}${iperf.stderr}`);
      log(`${name}: iperf3 guest→peer ${(bps / 1e6).toFixed(0)} Mbit/s (nested TCG: emulated, not a NIC figure)`);
    });
  }

  it('a VF whose PF is down is reported as NO LINK with the guest kernel\'s message, never a pass', async () => {
    // SSH to this guest goes through the VF itself: once the link is gone, only its console can tell.
    const g = guest('vf');
    const pfIface = (await lab.run(['ls', `/sys/bus/pci/devices/${nics.igbPfs[0]}/net`])).stdout.trim();
    await lab.run(['ip', 'link', 'set', pfIface, 'down']);
    try {
      let state = consoleLinkState(await g.guest.consoleTail(400), g.expect.vendorDevice);
      for (let i = 0; i < 60 && (state === undefined || state.linkUp); i++) {
        await new Promise((r) => setTimeout(r, 3_000));
        state = consoleLinkState(await g.guest.consoleTail(400), g.expect.vendorDevice);
      }
      assert.ok(state, `no link report for ${g.expect.vendorDevice} on the console:\n${await g.guest.consoleTail(30)}`);
      // The driver's dmesg lines follow the "nic" line on the console, one at a time (slowly, nested).
      for (let i = 0; i < 15 && !state.linkUp && state.kernelMessages.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 2_000));
        state = consoleLinkState(await g.guest.consoleTail(400), g.expect.vendorDevice) ?? state;
      }
      const verdict = linkVerdict(state);
      log(`vf with its PF down: ${verdict.text}`);
      assert.equal(state.linkUp, false, verdict.text);
      assert.equal(verdict.ok, false);
      assert.match(verdict.text, /NO LINK/);
      assert.ok(state.kernelMessages.some((m) => /igbvf/.test(m)), `no igbvf message: ${state.kernelMessages.join(' | ')}\n${await g.guest.consoleTail(30)}`);
    } finally {
      await lab.run(['ip', 'link', 'set', pfIface, 'up']);
    }
  });

  it('leaves no QEMU inside the lab host once the guests are stopped', async () => {
    await Promise.all([...guests.values()].map((g) => g.stop()));
    const left = await lab.run(['pgrep', '-af', 'qemu-system'], { allowFailure: true });
    assert.equal(left.stdout.trim(), '', `QEMU left in the lab: ${left.stdout}`);
  });
});
