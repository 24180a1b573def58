import { PassbenchError, errorMessage } from '../errors.ts';
import type { Host } from '../host/host.ts';
import { DEFAULT_REPETITION_POLICY } from '../stats/descriptive.ts';
import type { Bdf } from '../pci/bdf.ts';
import { assignGroups } from '../prepare/assign-group.ts';
import { readDeviceFacts } from '../prepare/device-facts.ts';
import { checkIommu as iommuRefusals } from '../prepare/guards.ts';
import { stepSubject } from '../prepare/journal.ts';
import { restoreFromJournal } from '../prepare/restore.ts';
import { configureVfs } from '../prepare/sriov.ts';
import { permanentMac, setVfMac } from '../pci/nic-mac.ts';
import { macForAddress } from '../guest/guest-mac.ts';
import { SCHEMA_VERSION } from '../results/schema.ts';
import type { CaseContext, GuestPlan } from './case-context.ts';
import type { Step } from './define-scenario.ts';
import type { RunSettings } from '../config/scenario-config.ts';
import { caseDevices, isEmulated } from '../config/device-config.ts';
import { fixedDeadline, type Deadline } from '../wait/index.ts';
import { formatValue } from '../measure/format-value.ts';
import { unitPlan } from '../measure/measure-mode.ts';
import { watchGuests } from './guest-watch.ts';

/**
 * The seed's procedure, one step each. Every step that changes the lab host first puts
 * "restore from the journal" on the case's cleanup stack; every guest it starts, "stop it".
 */

/** A check that failed: recorded already; the case fails with this message. */
export class CheckFailedError extends PassbenchError {}

/** 1. The device (or the VFs' PF) has an IOMMU group: passthrough is possible at all. */
export function checkIommu(): Step {
  return { id: 'check-iommu', title: 'check the IOMMU', modes: ['nic', 'vf'], estimateS: () => 1, run: async (ctx) => {
    for (const bdf of caseDevices(ctx.case.device) as Bdf[]) {
      const facts = await readDeviceFacts(ctx.host, bdf);
      const refusals = iommuRefusals(facts);
      if (refusals.length) {
        await ctx.check({ name: 'iommu-group', status: 'fail', message: refusals[0]!.message, details: refusals[0]!.remedy });
        throw new CheckFailedError(refusals[0]!.message, { remedy: refusals[0]!.remedy });
      }
      const peers = facts.groupMembers.filter((m) => m !== bdf);
      await ctx.check({ name: 'iommu-group', status: 'pass',
        message: `${bdf} is in IOMMU group ${facts.iommuGroup}${peers.length ? ` with ${peers.join(', ')}` : ' alone'}` });
    }
  } };
}

/** 2. SR-IOV: the configured number of VFs on the PF (journalled). */
export function createVfs(): Step {
  return { id: 'create-vfs', title: 'create the VFs', modes: ['vf'], estimateS: () => 5, run: async (ctx) => {
    const { pf, count } = ctx.case.device;
    pushRestore(ctx);
    const result = await configureVfs(ctx.host, pf as Bdf, count!, { journalPath: ctx.config.journalPath, probeActive: ctx.ops.probeActive });
    for (const w of result.warnings) ctx.log(`warning: ${w}`);
    if (result.vfs.length < count!) throw new CheckFailedError(`${pf}: asked for ${count} VFs, the kernel made ${result.vfs.length}`);
    ctx.vfs = result.vfs.map((v) => v.bdf);
    ctx.case.guests.forEach((g, i) => { g.bdf = ctx.vfs[i]; });
    // Each guest's VF gets a MAC of its own through the PF, so an image that names interfaces its
    // own way (enp1s0 …) still finds it: the seed matches it by MAC. Only on VFs this run made,
    // which restore removes, MACs and all; VFs that were there before are the host's, as they are.
    if (result.created) {
      for (const g of ctx.case.guests) {
        if (g.bdf === undefined || g.address === undefined) continue;
        const mac = macForAddress(g.address);
        await setVfMac(ctx.host, pf as Bdf, g.bdf as Bdf, mac).then(() => { g.mac = mac; },
          (error: unknown) => ctx.log(`warning: ${errorMessage(error)}; the guest's image must call the VF eth0 itself (net.ifnames=0)`));
      }
    }
    const mac = (vf: string) => ctx.case.guests.find((g) => g.bdf === vf)?.mac;
    await ctx.check({ name: 'vfs-created', status: 'pass', message: `${pf}: ${count} VFs: ${ctx.vfs.map((vf) => (mac(vf) ? `${vf} (MAC ${mac(vf)})` : vf)).join(', ')}` });
  } };
}

/** 3. Bind the device (or every VF) and the rest of its IOMMU group to vfio-pci (journalled). */
export function bindGroup(): Step {
  return { id: 'bind-group', title: 'bind the IOMMU group to vfio-pci', modes: ['nic', 'vf'], estimateS: () => 3, run: async (ctx) => {
    const bdfs = ctx.case.guests.map((g) => g.bdf).filter((b): b is string => Boolean(b)) as Bdf[];
    if (bdfs.length === 0) throw new PassbenchError(`case ${ctx.case.id}: nothing to bind (a VF case needs createVfs() before bindGroup())`);
    // A whole NIC's own MAC, while its driver still shows it: the guest's seed finds the NIC by it.
    for (const g of ctx.case.guests) if (g.mode === 'nic' && g.bdf) g.mac = await permanentMac(ctx.host, g.bdf as Bdf);
    pushRestore(ctx);
    const force = Boolean(ctx.case.device.force);
    const result = await assignGroups(ctx.host, bdfs, { journalPath: ctx.config.journalPath, probeActive: ctx.ops.probeActive, force,
      with: (ctx.case.device.with ?? []) as Bdf[] });
    for (const f of result.plan.forced) {
      ctx.log(`warning (force): ${f.message}`);
      await ctx.check({ name: 'forced', status: 'pass', message: `taken with force: ${f.message}` });
    }
    await ctx.check({ name: 'bound-vfio', status: 'pass',
      message: `on vfio-pci: ${[...result.bound.map((b) => b.bdf), ...result.plan.skipped.map((s) => `${s.bdf} (${s.reason})`)].join(', ')}` });
  } };
}

/** 4. Boot every guest of the case at once, from the configured image, each with its device. */
export function bootGuests(): Step {
  // Guests boot at once. Nested TCG (the virtual lab): ~30 s to "services started" alone (5 December
  // nightlies: 121 s for 4 cases, bench/README), longer the more guests share its 2 cores.
  const estimateS = (s: RunSettings, guests: number) => (s.accel === 'tcg' ? 35 + 30 * (guests - 1) : 20);
  return { id: 'boot-guests', title: 'boot the guests', estimateS, run: async (ctx) => {
    const image = ctx.config.guest!;
    const booted = await Promise.allSettled(ctx.case.guests.map(async (g) => {
      ctx.onGuest(g.name);
      const guest = await ctx.ops.bootGuest(ctx.host, {
        runId: ctx.runId, host: ctx.config.name, name: g.name, mode: g.mode, image, accel: ctx.settings.accel,
        vfio: g.bdf ? [g.bdf] : [], ...(isEmulated(g.mode) ? { emulated: g.mode } : {}), address: g.address, ...(g.mac ? { mac: g.mac } : {}),
        ...(ctx.case.device.bridge ? { bridge: ctx.case.device.bridge } : {}),
        peerAddress: ctx.config.peer?.address, pace: ctx.pace, journalPath: ctx.config.journalPath,
        bootDeadline: configured(ctx.settings.durations.bootS, 'run.durations.bootS'),
      }, { signal: ctx.signal, log: (l) => ctx.log(l) });
      ctx.guests.set(g.name, guest);
      ctx.cleanup.push(`stop guest ${g.name}`, async () => {
        await guest.stop();
        // After the stop, so the log ends with the shutdown (or shows it never came).
        if (guest.consoleLog) {
          await guest.consoleLog().then((log) => ctx.artifact(`${g.name}-console.log`, log),
            (error: unknown) => ctx.log(`warning: the console of ${g.name} was not kept: ${errorMessage(error)}`));
        }
      });
      await ctx.check({ name: 'guest-network', guest: g.name, mode: g.mode, status: 'pass', message: networkPath(g, ctx.case.device.bridge, guest.vhost) });
      if (guest.queryPci && !isEmulated(g.mode)) await checkQueryPci(ctx, g.name, await guest.queryPci());
    }));
    const failed = booted.find((b): b is PromiseRejectedResult => b.status === 'rejected');
    if (failed) throw failed.reason;
  } };
}

/** How a guest's traffic reaches the peer: what its figures measure, said in the results. */
function networkPath(g: GuestPlan, bridge: string | undefined, vhost: boolean | undefined): string {
  const address = g.address ?? 'no address';
  if (g.bdf) return `${g.bdf} by vfio-pci, ${address} on the test wire`;
  const backEnd = !bridge ? '' : vhost ? ' with vhost-net' : ' on QEMU\'s own back end (the host has no /dev/vhost-net)';
  const nic = g.mode === 'virtio' ? `emulated virtio-net${backEnd}` : 'emulated e1000';
  if (bridge) return `${nic}, a tap in bridge ${bridge}, ${address} on the test wire`;
  return `${nic} on QEMU user-net: NAT through the host, not the test wire`;
}

async function checkQueryPci(ctx: CaseContext, guest: string, ids: string[]): Promise<void> {
  const want = ctx.case.device.expect.vendorDevice;
  const found = ids.includes(want);
  await ctx.check({ name: 'query-pci', guest, mode: ctx.case.guests[0]!.mode, status: found ? 'pass' : 'fail',
    message: found ? `QEMU reports ${want} in ${guest}` : `QEMU's query-pci has no ${want} in ${guest}`, details: ids.join(' ') });
  if (!found) throw new CheckFailedError(`guest ${guest}: QEMU's query-pci does not list ${want} (found ${ids.join(', ') || 'nothing'})`);
}

/** Until a booted guest answers SSH, on an idle KVM host; the run's pace scales it. */
const SSH_BASE_MS = 60_000;

/** A deadline the config sets (seconds), or undefined to let the pace choose. */
function configured(seconds: number | undefined, setting: string): Deadline | undefined {
  return seconds === undefined ? undefined : fixedDeadline(seconds * 1000, setting);
}

/**
 * 5. SSH into every guest (host key pinned), each within run.durations.sshS or the paced default. A
 * disk image's guest was reached at its readiness (the handshake is how it shows it is up).
 */
export function sshIn(): Step {
  return { id: 'ssh-in', title: 'SSH into the guests', estimateS: () => 3, run: async (ctx) => {
    await Promise.all(ctx.case.guests.map(async (g) => {
      ctx.onGuest(g.name);
      const deadline = configured(ctx.settings.durations.sshS, 'run.durations.sshS') ?? ctx.pace.scaled(SSH_BASE_MS);
      const guestHost = await ctx.ops.connectGuest(ctx.host, ctx.guests.get(g.name)!, { deadline, signal: ctx.signal });
      ctx.guestHosts.set(g.name, guestHost);
      ctx.cleanup.push(`close SSH to ${g.name}`, () => guestHost.close());
    }));
  } };
}

/** 6. Inside each guest: the expected vendor:device, its driver bound, link up, address set. */
export function prove(): Step {
  return { id: 'prove', title: 'prove the device in each guest', estimateS: (s, guests) => guests * (s.accel === 'tcg' ? 3 : 2), run: async (ctx) => {
    const wrong: string[] = [];
    for (const g of ctx.case.guests) {
      ctx.onGuest(g.name);
      const expect = ctx.case.device.expect;
      let proof;
      try {
        proof = await ctx.ops.prove(ctx.guestHosts.get(g.name)!, { ...expect, address: g.address });
      } catch (error) {
        // Missing device, wrong driver, no address: recorded, then the case fails.
        await ctx.check({ name: 'device-proof', guest: g.name, mode: g.mode, status: 'fail', message: `${g.name}: ${errorMessage(error)}` });
        wrong.push(`${g.name}: ${errorMessage(error)}`);
        continue;
      }
      ctx.proofs.set(g.name, proof);
      const ok = proof.vendorDevice === expect.vendorDevice && proof.driver === expect.driver;
      // The guest's kernel and driver version are half of what a passthrough figure means: kept with the proof.
      const message = `${g.name}: ${proof.iface} ${proof.vendorDevice} on ${proof.driver}${proof.driverVersion ? ` ${proof.driverVersion}` : ''}, link ${proof.linkUp ? 'up' : 'down'}`
        + (proof.guestKernel ? `, guest kernel ${proof.guestKernel}` : '')
        + (ok ? '' : ` (expected ${expect.vendorDevice} on ${expect.driver})`);
      const status = !ok ? 'fail' : proof.linkUp ? 'pass' : 'no-link';
      await ctx.check({ name: 'device-proof', guest: g.name, mode: g.mode, status, message, details: proof.kernelMessages.join('\n') || undefined });
      if (!ok) wrong.push(message);
    }
    if (wrong.length) throw new CheckFailedError(`device not as expected: ${wrong.join('; ')}`);
  } };
}

/** 7. Measure each guest with a link against the peer; every sample is written as it comes. */
export function measure(): Step {
  // Each unit (tcp is tcp.tx and tcp.rx, ...): its warm-up if it has one, about the middle of the
  // repetition range, and ~1 s of set-up a run (the virtual lab's nested guests: 2.9 s a 2 s run,
  // 5 December nightlies, bench/README).
  const estimateS = (s: RunSettings, guests: number) => {
    const units = unitPlan(s.tests, s.repetitions.warmup);
    const runs = units.filter((u) => u.warm).length + units.length * (s.repetitions.min + s.repetitions.max) / 2;
    return guests * runs * (s.durations.measureS + 1);
  };
  return { id: 'measure', title: 'measure', estimateS, run: async (ctx) => {
    if (ctx.case.device.pairs) return measurePairs(ctx);
    const peer = ctx.config.peer;
    if (!peer) throw new PassbenchError(`host ${ctx.config.name}: no peer to measure against`, { remedy: `Set hosts.${ctx.config.name}.peer (or run.peer) in the config.` });
    await ctx.withPeer(async (peerHost) => {
      for (const g of ctx.case.guests) await measureGuest(ctx, g, peerHost, peer.address);
    });
  } };
}

/**
 * Guests in pairs: VFs (vf0 against vf1, vf2 against vf3 …), or a NIC and the port cabled back to
 * back to it. The second of each pair runs the iperf3 servers, so the traffic goes from one to the
 * other through the NIC's own switch, or over the cable.
 */
async function measurePairs(ctx: CaseContext): Promise<void> {
  const guests = ctx.case.guests;
  for (let i = 0; i + 1 < guests.length; i += 2) {
    const [g, p] = [guests[i]!, guests[i + 1]!];
    if (ctx.proofs.get(p.name)?.linkUp === false) { ctx.log(`${g.name}: its pair ${p.name} has no link, not measured`); continue; }
    const peerHost = ctx.guestHosts.get(p.name)!;
    const peerAddress = p.address!.split('/')[0]!;
    const facts = await ctx.ops.checkPeer(peerHost, p.name, peerAddress);
    const path = g.mode === 'nic' ? `the port cabled back to back (${p.bdf}): port to port over the cable` : 'the other VF of the pair: VF to VF through the NIC\'s own switch';
    await ctx.check({ name: 'peer', guest: g.name, mode: g.mode, status: 'pass', message: `${peerAddress} on guest ${p.name} ${facts.iface}, ${path}; ${facts.iperf3}` });
    await measureGuest(ctx, g, peerHost, peerAddress, [p.name]);
  }
}

/**
 * One guest's measurement suite against a peer; a guest without link is logged and skipped. It
 * fails the moment its guest's QEMU (or a peer guest's) ends (guest-watch.ts).
 */
async function measureGuest(ctx: CaseContext, g: GuestPlan, peerHost: Host, peerAddress: string, peerGuests: string[] = []): Promise<void> {
  if (ctx.proofs.get(g.name)?.linkUp === false) { ctx.log(`${g.name}: no link, not measured`); return; }
  ctx.onGuest(g.name);
  const guestAddress = g.address?.split('/')[0] ?? ctx.guests.get(g.name)?.address ?? ctx.proofs.get(g.name)?.address;
  if (!guestAddress) throw new PassbenchError(`guest ${g.name}: no address known to measure with`);
  // Reachable at all, before minutes of measurement could only say that iperf3 never connected.
  const guestHost = ctx.guestHosts.get(g.name)!;
  try {
    const reach = await ctx.ops.checkReachable(guestHost, { guest: g.name, guestAddress, peerAddress, pace: ctx.pace });
    await ctx.check({ name: 'peer-reachable', guest: g.name, mode: g.mode, status: 'pass',
      message: `${g.name} (${guestAddress}) reaches ${peerAddress}: ${reach.replies} ping replies, median ${formatValue(reach.rttMs / 1000, 's')}` });
  } catch (error) {
    await ctx.check({ name: 'peer-reachable', guest: g.name, mode: g.mode, status: 'fail', message: errorMessage(error), details: (error as PassbenchError).remedy });
    throw error;
  }
  const r = ctx.settings.repetitions;
  const watch = watchGuests(ctx, [g.name, ...peerGuests], `the measurement of ${g.name}`);
  try {
    await ctx.ops.measure({
      host: ctx.config.name, mode: g.mode, guest: g.name,
      guestHost, peerHost, peerAddress, guestAddress,
      tests: [...ctx.settings.tests],
      policy: { ...DEFAULT_REPETITION_POLICY, minRepetitions: r.min, maxRepetitions: r.max, targetRelativeHalfWidth: r.targetCi },
      durationS: ctx.settings.durations.measureS, warmup: r.warmup, pace: ctx.pace, streams: ctx.settings.iperf3.streams, udpBitrateBps: ctx.settings.iperf3.udpBitrate, omitS: ctx.settings.iperf3.omit, onMeasurement: (m) => ctx.sample({ schema: SCHEMA_VERSION, runId: ctx.runId, host: ctx.config.name, mode: g.mode, guest: g.name, ...m }), signal: watch.signal, log: (l) => ctx.log(`${g.name}: ${l}`),
      saveArtifact: (name, content) => ctx.artifact(name, content), lineRateBps: ctx.lineRateBps,
    });
  } finally {
    watch.dispose();
  }
}

/** Once per case, before its first change: put the host back from the journal at the end. */
function pushRestore(ctx: CaseContext): void {
  if (ctx.restorePushed) return;
  ctx.restorePushed = true;
  ctx.cleanup.push('restore the host from the journal', async () => {
    const result = await restoreFromJournal(ctx.host, { journalPath: ctx.config.journalPath });
    if (result.left.length > 0) {
      const errors = result.outcomes.flatMap((o) => (o.result === 'failed' ? [`${stepSubject(o.step)}: ${o.error}`]
        : o.result === 'skipped' ? [`${stepSubject(o.step)}: ${o.reason}`] : []));
      throw new PassbenchError(`restore left ${result.left.length} step(s) in ${result.journalPath}: ${errors.join('; ')}`, {
        remedy: `Fix the cause and run \`${ctx.restoreCommand}\`.`,
      });
    }
  });
}
