import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseScenarioConfig } from '../../../harness/config/scenario-config.ts';
import { expandPlan, formatPlan } from '../../../harness/scenario/plan.ts';
import { plainProgress } from '../../../harness/scenario/progress.ts';
import { runPlan, type RunnerOptions } from '../../../harness/scenario/runner.ts';
import nightly from '../../../scenarios/nightly.ts';
import sriov from '../../../scenarios/sriov.ts';
import passthrough from '../../../scenarios/passthrough.ts';
import { PeerUnreachableError } from '../../../harness/measure/peer-check.ts';
import { LAB, snapshot, useSimLabs } from '../../support/sim-kernel.ts';
import { tcpGoodputBps } from '../../../harness/measure/line-rate.ts';
import { ALL_DEVICES, fakeOps, labYaml, simHost, type FakeOpsOptions } from './fake-lab.ts';
import type { GuestBoot, MeasureRequest, RunOps } from '../../../harness/scenario/ops.ts';
import { Pace, describeDeadline, type DeadlineLike } from '../../../harness/wait/index.ts';
import { tempDir } from '../../support/temp-dirs.ts';
import { macForAddress } from '../../../harness/guest/guest-mac.ts';

describe('scenario/runner (fake ops on simulated lab hosts)', () => {
  const lab = useSimLabs();

  async function setup(names: string[], o: Omit<FakeOpsOptions, 'hosts'> = {}, devices = ALL_DEVICES) {
    const labs = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await simHost(lab)] as const)));
    const before = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await snapshot(labs[n]!.root)] as const)));
    const config = parseScenarioConfig({ text: labYaml(Object.fromEntries(names.map((n) => [n, devices]))), source: 'lab.yaml', baseDir: '/tmp' });
    const fake = fakeOps({ ...o, hosts: Object.fromEntries(names.map((n) => [n, labs[n]!.sim])) });
    const lines: string[] = [];
    const resultsDir = await tempDir('passbench-runner-');
    const run = (scenario = nightly, extra: Partial<RunnerOptions> = {}) => runPlan({
      plan: expandPlan(scenario, config), settings: { ...config.run, resultsDir }, ops: fake.ops, scenarioFile: 'scenarios/nightly.ts', scenarioHash: 'a'.repeat(64),
      runId: '20261124T203000Z-abcd', progress: plainProgress((t) => lines.push(t)), controller: 'ctl', pid: 4242, graceMs: 50, ...extra,
    });
    const after = async (n: string) => snapshot(labs[n]!.root);
    const lockGone = async (n: string) => !(await fs.stat(path.join(labs[n]!.root, 'var/lib/passbench/run.lock')).catch(() => undefined));
    const journalGone = async (n: string) => !(await fs.stat(path.join(labs[n]!.root, 'var/lib/passbench/journal.json')).catch(() => undefined));
    return { labs, before, fake, run, after, lines, lockGone, journalGone, config, resultsDir };
  }

  it('hands run.iperf3 as configured to every measurement (streams, UDP rate, seconds omitted)', async () => {
    const t = await setup(['lab1']);
    const iperf3 = { streams: 2, udpBitrate: 1e6, omit: 0 };
    const outcome = await t.run(nightly, { settings: { ...t.config.run, iperf3, resultsDir: t.resultsDir } });
    assert.equal(outcome.conclusion, 'passed', JSON.stringify(outcome.verdicts));
    const measured = t.fake.events.filter((e) => e.startsWith('measure '));
    assert.equal(measured.length, 4, measured.join('\n'));
    for (const e of measured) assert.match(e, / streams=2 udp=1000000 omit=0$/);
  });

  it('runs every case, tears down in reverse order, and leaves the host as it was', async () => {
    const t = await setup(['lab1']);
    const outcome = await t.run();
    assert.equal(outcome.conclusion, 'passed', JSON.stringify(outcome.verdicts));
    assert.deepEqual(outcome.verdicts[0]!.cases.map((c) => c.status), ['passed', 'passed', 'passed']);
    const vfCase = t.fake.events.slice(t.fake.events.findIndex((e) => e.startsWith('boot lab1/vf0')));
    // Both VF guests up at once, each proven and measured, then closed/stopped newest first.
    assert.deepEqual(vfCase.filter((e) => /^(boot|ssh|close|stop)/.test(e)).slice(0, 8),
      ['boot lab1/vf0 0000:00:12.0', 'boot lab1/vf1 0000:00:12.2', 'ssh lab1/vf0', 'ssh lab1/vf1', 'close lab1/vf1', 'close lab1/vf0', 'stop lab1/vf1', 'stop lab1/vf0']);
    assert.deepEqual(await t.after('lab1'), t.before.lab1);
    assert.ok(await t.lockGone('lab1'), 'lock released');
    assert.ok(await t.journalGone('lab1'), 'journal replayed and removed');
    const writer = t.fake.writers[0]!;
    assert.equal(writer.samples.length, 8); // 4 guests × 2
    assert.ok(t.fake.events.includes('measure lab1/vf1 streams=1 udp=100000000 omit=1'), 'run.iperf3 defaults not handed to the measurement');
    assert.deepEqual(writer.checks.filter((c) => c.name === 'host-restored').map((c) => c.status), ['pass', 'pass']);
    assert.equal(writer.finished?.status, 'passed');
    // Each guest's serial console and the raw measurement output, kept with the results.
    const artifacts = path.join(writer.dir, 'artifacts');
    assert.equal(await fs.readFile(path.join(artifacts, 'lab1-vf1-console.log'), 'utf8'), 'console of lab1/vf1\n');
    assert.equal(await fs.readFile(path.join(artifacts, 'lab1-vf1.tcp.r0.json'), 'utf8'), '{"raw":"lab1/vf1"}');
    assert.match(t.lines.join(''), /lab1 \[\d+\/17\] lab1\/vf-0000:00:02\.0: boot the guests.*step\(s\) left, ETA \d/);
    // Before any step has ended the estimate is the steps' own (adaptive repetitions: about an hour).
    assert.match(t.lines.find((l) => l.includes('[0/17]')) ?? '', /\[0\/17\].*ETA \d+(h\d\dm|m\d\ds)/);
  });

  it('gives each VF guest a MAC of its own through the PF (the cloud-init seed matches it); the VFs and their MACs go at restore', async () => {
    const macsAtBoot = new Map<string, string>();
    const t = await setup(['lab1'], { hook: (op, _host, guest) => {
      if (op === 'boot' && guest?.startsWith('vf')) for (const [vf, mac] of t.labs.lab1!.sim.vfMacs) macsAtBoot.set(vf, mac);
    } });
    const seen = recordDeadlines(t.fake.ops);
    assert.equal((await t.run(sriov)).conclusion, 'passed');
    const vfs = seen.boots.filter((b) => b.mode === 'vf');
    assert.equal(vfs.length, 2);
    for (const b of vfs) assert.equal(b.mac, macForAddress(b.address!), `${b.name}: the MAC from its address`);
    assert.deepEqual(Object.fromEntries(macsAtBoot), Object.fromEntries(vfs.map((b) => [b.vfio[0], b.mac])), 'set on the host (ip link set dev PF vf N mac) before the guests boot');
    assert.match(t.fake.writers[0]!.checks.find((c) => c.name === 'vfs-created')!.message, /0000:00:12\.0 \(MAC 52:54:00:03:00:[0-9a-f]{2}\), 0000:00:12\.2 \(MAC /);
    assert.equal(t.labs.lab1!.sim.vfMacs.size, 0, 'the VFs (and their MACs) went at restore');
    assert.deepEqual(await t.after('lab1'), t.before.lab1);
  });

  it('reads a whole NIC\'s own MAC before the bind (the seed finds it by it), but not an address the host set on it', async () => {
    const t = await setup(['lab1']);
    const net = `/sys/bus/pci/devices/${LAB.nicSpare}/net/eth2`;
    await t.labs.lab1!.tree.writeFile(`${net}/address`, '52:54:00:12:34:5A\n');
    await t.labs.lab1!.tree.writeFile(`${net}/addr_assign_type`, '0\n');
    const seen = recordDeadlines(t.fake.ops);
    assert.equal((await t.run(passthrough)).conclusion, 'passed');
    assert.deepEqual(seen.boots.filter((b) => b.mode === 'nic').map((b) => b.mac), ['52:54:00:12:34:5a']);
    // NET_ADDR_SET: the host changed it; the guest will see the NVM's, which sysfs does not show.
    await t.labs.lab1!.tree.writeFile(`${net}/address`, '52:54:00:12:34:5a\n');
    await t.labs.lab1!.tree.writeFile(`${net}/addr_assign_type`, '3\n');
    const again = recordDeadlines(t.fake.ops);
    assert.equal((await t.run(passthrough)).conclusion, 'passed');
    assert.deepEqual(again.boots.filter((b) => b.mode === 'nic').map((b) => b.mac), [undefined]);
  });

  it('leaves the MACs of VFs that were there before alone (they are the host\'s)', async () => {
    const t = await setup(['lab1']);
    // Two VFs the host made, with no driver (a VF on one is in use, and refused).
    const sim = t.labs.lab1!.sim;
    await sim.writeFile(`/sys/bus/pci/devices/${LAB.pf}/sriov_numvfs`, '2');
    for (const vf of ['0000:00:12.0', '0000:00:12.2']) await sim.writeFile('/sys/bus/pci/drivers/igbvf/unbind', vf);
    t.before.lab1 = await snapshot(t.labs.lab1!.root);
    const seen = recordDeadlines(t.fake.ops);
    const outcome = await t.run(sriov);
    assert.equal(outcome.conclusion, 'passed', JSON.stringify(outcome.verdicts));
    assert.ok(seen.boots.some((b) => b.mode === 'vf'));
    assert.ok(seen.boots.every((b) => b.mac === undefined));
    assert.equal(sim.vfMacs.size, 0);
    assert.deepEqual(await t.after('lab1'), t.before.lab1);
  });

  it('a failed check fails its case, still restores, and the next case runs', async () => {
    const t = await setup(['lab1'], { proofDriver: (_h, guest, want) => (guest === 'vf1' ? 'ixgbevf' : want) });
    const outcome = await t.run();
    assert.equal(outcome.conclusion, 'failed');
    const [nic, vf, e1000] = outcome.verdicts[0]!.cases;
    assert.equal(nic!.status, 'passed');
    assert.equal(vf!.status, 'failed');
    assert.match(vf!.error!, /vf1: eth0 8086:10ca on ixgbevf.*expected 8086:10ca on igbvf/);
    assert.equal(e1000!.status, 'passed');
    // Not measured after the failed proof; torn down newest first; the host back as it was.
    assert.ok(!t.fake.events.some((e) => e.startsWith('sample lab1/vf')));
    const stops = t.fake.events.filter((e) => /^(close|stop) lab1\/vf/.test(e));
    assert.deepEqual(stops, ['close lab1/vf1', 'close lab1/vf0', 'stop lab1/vf1', 'stop lab1/vf0']);
    assert.deepEqual(await t.after('lab1'), t.before.lab1);
    assert.equal(outcome.verdicts[0]!.status, 'failed');
  });

  it('keeps every sample delivered before a measurement fails', async () => {
    let n = 0;
    const t = await setup(['lab1'], { samplesPerGuest: 5, hook: (op, _h, guest) => {
      if (op === 'measure' && guest === 'nic0' && ++n === 4) throw new Error('iperf3: the peer went away');
    } });
    const outcome = await t.run();
    assert.equal(outcome.conclusion, 'failed');
    assert.match(outcome.verdicts[0]!.cases[0]!.error!, /measure: iperf3: the peer went away/);
    const writer = t.fake.writers[0]!;
    assert.deepEqual(writer.samples.filter((s) => s.guest === 'nic0').map((s) => s.repetition), [0, 1, 2]);
    assert.ok(writer.checks.some((c) => c.name === 'step.measure' && c.status === 'fail'));
    assert.deepEqual(await t.after('lab1'), t.before.lab1);
  });

  it('a guest whose QEMU ends mid-measurement fails its case at once, naming how, with the samples before kept; the other cases measure', async () => {
    let killed = (_how: string) => {};
    const exited = new Promise<string>((resolve) => (killed = resolve));
    let n = 0;
    const t = await setup(['lab1'], { samplesPerGuest: 5, qemuExits: { nic0: exited }, hook: async (op, _h, guest) => {
      // The third repetition hangs as iperf3 does against a guest that is gone: only the watch ends it.
      if (op === 'measure' && guest === 'nic0' && ++n === 3) {
        killed('was killed by SIGKILL');
        await new Promise(() => {});
      }
    } });
    const outcome = await t.run();
    assert.deepEqual(outcome.verdicts[0]!.cases.map((c) => c.status), ['failed', 'passed', 'passed']);
    assert.match(outcome.verdicts[0]!.cases[0]!.error!, /^measure: guest nic0: its QEMU was killed by SIGKILL during the measurement of nic0/);
    assert.deepEqual(t.fake.writers[0]!.samples.filter((s) => s.guest === 'nic0').map((s) => s.repetition), [0, 1]);
    assert.ok(t.fake.events.includes('close lab1/nic0'), 'the dead guest\'s SSH connection closed');
    assert.deepEqual(await t.after('lab1'), t.before.lab1);
  });

  it('a guest that cannot reach the peer fails its case before measuring, naming both ends; the other cases measure', async () => {
    const t = await setup(['lab1'], { hook: (op, _h, guest) => {
      if (op === 'reach' && guest === 'nic0') {
        throw new PeerUnreachableError('guest nic0 (10.0.3.21) cannot reach the peer 10.0.3.10 on the test network: 3 pings, no reply', { remedy: 'Check the cabling.' });
      }
    } });
    const outcome = await t.run();
    assert.deepEqual(outcome.verdicts[0]!.cases.map((c) => c.status), ['failed', 'passed', 'passed']);
    assert.match(outcome.verdicts[0]!.cases[0]!.error!, /^measure: guest nic0 \(10\.0\.3\.21\) cannot reach the peer 10\.0\.3\.10/);
    assert.ok(!t.fake.events.some((e) => e.startsWith('measure lab1/nic0')), 'nic0 never measured');
    const reach = t.fake.writers[0]!.checks.filter((c) => c.name === 'peer-reachable').map((c) => [c.guest, c.status, c.details ?? c.message]);
    assert.deepEqual(reach[0], ['nic0', 'fail', 'Check the cabling.']);
    assert.deepEqual(reach.slice(1).map(([g, st]) => [g, st]), [['vf0', 'pass'], ['vf1', 'pass'], ['e1000', 'pass']]);
    assert.match(String(t.fake.writers[0]!.checks.find((c) => c.guest === 'vf0' && c.name === 'peer-reachable')?.message), /^vf0 \(10\.0\.3\.31\) reaches 10\.0\.3\.10: 3 ping replies, median 400 µs$/);
    assert.deepEqual(await t.after('lab1'), t.before.lab1);
  });

  it('on abort (Ctrl-C / SIGTERM) stops the running step, stops guests and restores', async () => {
    const abort = new AbortController();
    const t = await setup(['lab1'], { hook: async (op, _h, guest) => {
      if (op === 'measure' && guest === 'vf0') { abort.abort(); await new Promise((r) => setTimeout(r, 10)); }
    } });
    const outcome = await t.run(nightly, { signal: abort.signal });
    assert.equal(outcome.status, 'aborted');
    assert.equal(outcome.conclusion, 'failed');
    assert.deepEqual(outcome.verdicts[0]!.cases.map((c) => c.status), ['passed', 'aborted', 'aborted']);
    assert.ok(t.fake.events.includes('stop lab1/vf0') && t.fake.events.includes('stop lab1/vf1'));
    assert.ok(!t.fake.events.some((e) => e.startsWith('boot lab1/e1000')), 'no case starts after the abort');
    assert.deepEqual(await t.after('lab1'), t.before.lab1);
    assert.ok(await t.lockGone('lab1'));
    assert.equal(t.fake.writers[0]!.finished?.status, 'aborted');
  });

  it('a guest that will not stop is reported, and the host is still restored', async () => {
    const t = await setup(['lab1'], { stopFails: ['nic0'] });
    const outcome = await t.run();
    assert.equal(outcome.conclusion, 'failed');
    assert.match(outcome.verdicts[0]!.cleanupFailures.join('\n'), /stop guest nic0: QEMU of nic0 would not die/);
    assert.deepEqual(await t.after('lab1'), t.before.lab1);
  });

  it('force: takes an active NIC as `bind --force` does, says so in a check, and restores it', async () => {
    const t = await setup(['lab1'], {}, '    devices:\n      - { mode: nic, bdf: "0000:00:03.0", model: e1000, force: true }\n');
    const outcome = await t.run();
    assert.equal(outcome.conclusion, 'passed', JSON.stringify(outcome.verdicts));
    assert.match(t.fake.writers[0]!.checks.find((c) => c.name === 'forced')!.message, /taken with force: 0000:00:03\.0 carries eth0/);
    assert.deepEqual(await t.after('lab1'), t.before.lab1);
  });

  it('refuses a host another run holds, naming the run, and leaves its lock alone', async () => {
    const t = await setup(['lab1']);
    const lockDir = path.join(t.labs.lab1!.root, 'var/lib/passbench/run.lock');
    await fs.mkdir(lockDir, { recursive: true });
    await fs.writeFile(path.join(lockDir, 'owner.json'), JSON.stringify({ runId: 'R-other', pid: process.pid, controller: 'ctl', scenario: 'sriov', startedAt: '2026-11-24T20:00:00Z' }));
    const outcome = await t.run(nightly, { isAlive: () => true });
    assert.equal(outcome.conclusion, 'unfit');
    assert.equal(outcome.verdicts[0]!.status, 'busy');
    assert.match(outcome.verdicts[0]!.errors[0]!, new RegExp(`host lab1 is busy: run R-other \\(sriov, pid ${process.pid} on ctl`));
    assert.ok(await fs.stat(path.join(lockDir, 'owner.json')), 'the other run\'s lock stays');
    assert.deepEqual(await t.after('lab1'), t.before.lab1);
    assert.ok(!t.fake.events.some((e) => e.startsWith('boot')));
  });

  it('with a lock wait, runs once the other passbench has released the host', async () => {
    const t = await setup(['lab1']);
    const lockDir = path.join(t.labs.lab1!.root, 'var/lib/passbench/run.lock');
    await fs.mkdir(lockDir, { recursive: true });
    await fs.writeFile(path.join(lockDir, 'owner.json'), JSON.stringify({ command: 'bind', pid: process.pid, controller: 'ctl', startedAt: '2026-12-02T20:00:00Z' }));
    setTimeout(() => void fs.rm(lockDir, { recursive: true }), 1200);
    const outcome = await t.run(nightly, { isAlive: () => true, lockWaitS: 30 });
    assert.equal(outcome.conclusion, 'passed', JSON.stringify(outcome.verdicts));
    assert.ok(await t.lockGone('lab1'));
  });

  it('reports a stale lock (owner gone) with how to clear it, and does not take it over', async () => {
    const t = await setup(['lab1']);
    const lockDir = path.join(t.labs.lab1!.root, 'var/lib/passbench/run.lock');
    await fs.mkdir(lockDir, { recursive: true });
    await fs.writeFile(path.join(lockDir, 'owner.json'), JSON.stringify({ runId: 'R-dead', pid: 999999, controller: 'ctl', scenario: 'nightly', startedAt: '2026-11-24T02:00:00Z' }));
    const outcome = await t.run(nightly, { isAlive: () => false });
    assert.equal(outcome.verdicts[0]!.status, 'busy');
    assert.match(outcome.verdicts[0]!.errors[0]!, /stale lock \/var\/lib\/passbench\/run\.lock: run R-dead .* is gone/);
    assert.match(outcome.verdicts[0]!.errors[0]!, /passbench restore --host lab1.*rm -r \/var\/lib\/passbench\/run\.lock/s);
    assert.ok(await fs.stat(path.join(lockDir, 'owner.json')));
  });

  it('a lock without an owner file is reported as left by a run that died', async () => {
    const t = await setup(['lab1']);
    await fs.mkdir(path.join(t.labs.lab1!.root, 'var/lib/passbench/run.lock'), { recursive: true });
    const outcome = await t.run();
    assert.match(outcome.verdicts[0]!.errors[0]!, /locked .* names no owner: a passbench died while taking it/);
    assert.equal(outcome.verdicts[0]!.status, 'busy');
    assert.ok(await fs.stat(path.join(t.labs.lab1!.root, 'var/lib/passbench/run.lock')), 'left for a person to clear');
  });

  it('runs two hosts at the same time, into one result, with a verdict each', async () => {
    const waiting = new Set<string>();
    let release: () => void = () => undefined;
    const both = new Promise<void>((r) => { release = r; });
    const t = await setup(['lab1', 'lab2'], {
      proofDriver: (host, _g, want) => (host === 'lab2' ? 'e1000e' : want),
      // Each host's first boot waits until the other host is booting too: only concurrency passes.
      hook: async (op, host) => {
        if (op !== 'boot' || waiting.has(host)) return;
        waiting.add(host);
        if (waiting.size === 2) release();
        await Promise.race([both, new Promise((_, reject) => setTimeout(() => reject(new Error('hosts did not run concurrently')), 2000))]);
      },
    }, `    devices:\n      - { mode: vf, pf: "0000:00:02.0", count: 2, model: igb }\n`);
    const outcome = await t.run(sriov);
    assert.equal(t.fake.writers.length, 1, 'one merged result');
    assert.deepEqual(t.fake.writers[0]!.meta.hosts.map((h) => h.name), ['lab1', 'lab2']);
    assert.deepEqual(outcome.verdicts.map((v) => [v.host, v.status]), [['lab1', 'passed'], ['lab2', 'failed']]);
    assert.equal(outcome.conclusion, 'failed');
    assert.ok(t.fake.writers[0]!.samples.some((s) => s.host === 'lab1') && !t.fake.writers[0]!.samples.some((s) => s.host === 'lab2'));
    for (const n of ['lab1', 'lab2']) assert.deepEqual(await t.after(n), t.before[n]);
  });

  /** Keeps what the steps hand to bootGuest, connectGuest and measure. */
  function recordDeadlines(ops: RunOps) {
    const seen = { boots: [] as GuestBoot[], ssh: [] as DeadlineLike[], measures: [] as MeasureRequest[] };
    const { bootGuest, connectGuest, measure } = ops;
    ops.bootGuest = (h, b, o) => (seen.boots.push(b), bootGuest(h, b, o));
    ops.connectGuest = (h, g, o) => (seen.ssh.push(o.deadline), connectGuest(h, g, o));
    ops.measure = (m) => (seen.measures.push(m), measure(m));
    return seen;
  }

  it('paces the guests\' boot, SSH and measurement deadlines with the run\'s pace, and logs it once per host', async () => {
    const t = await setup(['lab1']);
    const seen = recordDeadlines(t.fake.ops);
    const pace = Pace.fromLabBoot(16_000, 'tcg');
    assert.equal((await t.run(sriov, { pace })).conclusion, 'passed');
    assert.ok(seen.boots.length > 0 && seen.boots.every((b) => b.pace === pace && b.bootDeadline === undefined));
    assert.ok(seen.measures.length > 0 && seen.measures.every((m) => m.pace === pace));
    assert.deepEqual(seen.ssh.map((d) => describeDeadline(d)), seen.boots.map(() =>
      'deadline 600 s = base 60 s × pace 10, from the lab host\'s boot (SSH after 16 s, 8 s when idle) × tcg 5'));
    assert.equal(t.lines.filter((l) => l.includes('deadlines scaled by pace 10 (the lab host\'s boot')).length, 1);
  });

  it("measures each case's device with its line rate (its link speed and MTU before the bind), recorded as a check", async () => {
    const t = await setup(['lab1']);
    const seen = recordDeadlines(t.fake.ops);
    // The igb PF of the VFs has a 1 GbE link at MTU 9000; the e1000 taken whole has no link (speed -1).
    await t.labs.lab1!.tree.writeFile('/sys/class/net/eth1/speed', '1000\n');
    await t.labs.lab1!.tree.writeFile('/sys/class/net/eth1/mtu', '9000\n');
    await t.labs.lab1!.tree.writeFile('/sys/class/net/eth2/speed', '-1\n');
    assert.equal((await t.run()).conclusion, 'passed');
    const rates = Object.fromEntries(seen.measures.map((m) => [m.guest, m.lineRateBps]));
    // 1 GbE at MTU 9000: 1e9 × 8948 / 9038 (measure/line-rate.ts).
    assert.deepEqual(rates, { nic0: undefined, vf0: tcpGoodputBps(1e9, 9000), vf1: tcpGoodputBps(1e9, 9000), e1000: undefined });
    assert.ok(Math.abs(rates.vf0! - 990.04e6) < 0.01e6, String(rates.vf0));
    const links = t.fake.writers[0]!.checks.filter((c) => c.name === 'host-link').map((c) => [c.mode, c.message]);
    assert.deepEqual(links.map(([mode]) => mode), ['nic', 'vf']);
    assert.match(links[0]![1]!, /^0000:00:04\.0 eth2 on e1000 .*: link speed unknown \(link down\?\): no line rate$/);
    assert.match(links[1]![1]!, /^0000:00:02\.0 eth1 on igb .*: 1000 Mbit\/s, MTU 9000: TCP line rate 990 Mbit\/s$/);
  });

  it('boots the e1000 and virtio-net baselines on the test wire (a tap in the bridge) and says each guest\'s path in a check', async () => {
    const t = await setup(['lab1'], {}, ALL_DEVICES.replace('{ mode: e1000, network: user }', '{ mode: e1000, bridge: br-test, address: 10.0.3.41/24 }\n      - { mode: virtio, bridge: br-test, address: 10.0.3.42/24 }'));
    const seen = recordDeadlines(t.fake.ops);
    for (const dir of ['sys/class/net/br-test/bridge', 'sys/class/net/br-test/brif/eth3', 'dev/net']) await fs.mkdir(path.join(t.labs.lab1!.root, dir), { recursive: true });
    await fs.writeFile(path.join(t.labs.lab1!.root, 'dev/net/tun'), '');
    assert.equal((await t.run()).conclusion, 'passed');
    const e1000 = seen.boots.find((b) => b.name === 'e1000')!;
    assert.deepEqual([e1000.emulated, e1000.bridge, e1000.address], ['e1000', 'br-test', '10.0.3.41/24']);
    assert.equal(seen.measures.find((m) => m.guest === 'e1000')?.guestAddress, '10.0.3.41');
    const paths = Object.fromEntries(t.fake.writers[0]!.checks.filter((c) => c.name === 'guest-network').map((c) => [c.guest, c.message]));
    assert.deepEqual(paths, {
      nic0: '0000:00:04.0 by vfio-pci, 10.0.3.21/24 on the test wire',
      vf0: '0000:00:12.0 by vfio-pci, 10.0.3.31/24 on the test wire', vf1: '0000:00:12.2 by vfio-pci, 10.0.3.32/24 on the test wire',
      e1000: 'emulated e1000, a tap in bridge br-test, 10.0.3.41/24 on the test wire',
      virtio: 'emulated virtio-net on QEMU\'s own back end (the host has no /dev/vhost-net), a tap in bridge br-test, 10.0.3.42/24 on the test wire',
    });
  });

  it('VFs in pairs: each pair measures VF to VF (the second guest is the peer), with no peer configured', async () => {
    const labs = { lab1: await simHost(lab) };
    const resultsDir = await tempDir('passbench-runner-');
    const config = parseScenarioConfig({ text: labYaml({ lab1: `    devices:\n      - { mode: vf, pf: "0000:00:02.0", count: 2, model: igb, pairs: true }\n` }, `guest: { iso: /images/guest.iso }\n  resultsDir: ${resultsDir}`), source: 'lab.yaml', baseDir: '/tmp' });
    const plan = expandPlan(sriov, config);
    assert.match(formatPlan(plan), /measured in pairs, VF to VF through the NIC's switch: vf0 against vf1/);
    const fake = fakeOps({ hosts: { lab1: labs.lab1.sim } });
    const seen = recordDeadlines(fake.ops);
    const outcome = await runPlan({ plan, settings: config.run, ops: fake.ops, scenarioFile: 'scenarios/sriov.ts', scenarioHash: 'a'.repeat(64),
      runId: '20261203T210000Z-pair', progress: plainProgress(() => undefined), controller: 'ctl', pid: 4242, graceMs: 50 });
    assert.equal(outcome.conclusion, 'passed', JSON.stringify(outcome.verdicts));
    assert.deepEqual(seen.measures.map((m) => [m.guest, m.peerHost.name, m.peerAddress, m.guestAddress]), [['vf0', 'lab1 vf1', '10.0.3.32', '10.0.3.31']]);
    assert.ok(fake.events.includes('check peer vf1 10.0.3.32'), fake.events.join('\n'));
    const peer = fake.writers[0]!.checks.find((c) => c.name === 'peer');
    assert.match(peer?.message ?? '', /^10\.0\.3\.32 on guest vf1 eth9, the other VF of the pair: VF to VF through the NIC's own switch; iperf 3\.12$/);
    assert.throws(() => parseScenarioConfig({ text: labYaml({ lab1: `    devices:\n      - { mode: vf, pf: "0000:00:02.0", count: 3, model: igb, pairs: true }\n` }), source: 'lab.yaml' }),
      /devices\[0\]\.count: pairs: true needs an even count of VFs/);
  });

  it('a NIC back to back with its partner port: both whole in guests of their own, measured port to port, no peer; a partner of another model is refused', async () => {
    const labs = { lab1: await simHost(lab) };
    const resultsDir = await tempDir('passbench-runner-');
    const yaml = (partner: string) => labYaml({ lab1: `    devices:\n      - { mode: nic, bdf: "${LAB.nicSpare}", model: e1000, force: true, pair: { bdf: "${partner}" } }\n` },
      `guest: { iso: /images/guest.iso }\n  resultsDir: ${resultsDir}`);
    const config = parseScenarioConfig({ text: yaml(LAB.nicActive), source: 'lab.yaml', baseDir: '/tmp' });
    const plan = expandPlan(passthrough, config);
    assert.match(formatPlan(plan), /whole NIC 0000:00:04\.0 and 0000:00:03\.0 back to back, .*\n {4}guests: nic0 10\.0\.3\.21\/24, nic1 10\.0\.3\.22\/24\n {4}measured in pairs, port to port over their cable: nic0 against nic1/);
    const fake = fakeOps({ hosts: { lab1: labs.lab1.sim } });
    const seen = recordDeadlines(fake.ops);
    const go = (p: typeof plan) => runPlan({ plan: p, settings: config.run, ops: fake.ops, scenarioFile: 'scenarios/passthrough.ts', scenarioHash: 'a'.repeat(64),
      runId: '20261204T020000Z-b2b', progress: plainProgress(() => undefined), controller: 'ctl', pid: 4242, graceMs: 50 });
    const outcome = await go(plan);
    assert.equal(outcome.conclusion, 'passed', JSON.stringify(outcome.verdicts));
    assert.deepEqual(seen.boots.map((b) => [b.name, b.vfio]), [['nic0', [LAB.nicSpare]], ['nic1', [LAB.nicActive]]]);
    assert.deepEqual(seen.measures.map((m) => [m.guest, m.peerHost.name, m.peerAddress, m.guestAddress]), [['nic0', 'lab1 nic1', '10.0.3.22', '10.0.3.21']]);
    const checks = fake.writers[0]!.checks;
    assert.deepEqual(checks.filter((c) => c.name === 'iommu-group').map((c) => c.message), ['0000:00:04.0 is in IOMMU group 3 alone', '0000:00:03.0 is in IOMMU group 2 alone']);
    assert.match(checks.find((c) => c.name === 'peer')?.message ?? '', /^10\.0\.3\.22 on guest nic1 \S+, the port cabled back to back \(0000:00:03\.0\): port to port over the cable; iperf 3\.12$/);
    const other = await go(expandPlan(passthrough, parseScenarioConfig({ text: yaml(LAB.pf), source: 'lab.yaml', baseDir: '/tmp' })));
    assert.equal(other.conclusion, 'invalid');
    assert.match(JSON.stringify(other.verdicts), /hosts\.lab1\.devices\[0\]: 0000:00:02\.0 is 8086:10c9, not 8086:100e as its model says/);
    assert.throws(() => parseScenarioConfig({ text: yaml(LAB.nicSpare), source: 'lab.yaml' }), /devices\[0\]\.pair\.bdf: pair\.bdf is the NIC itself/);
  });

  it('takes run.durations.bootS and sshS as fixed deadlines, and says where they came from', async () => {
    const t = await setup(['lab1']);
    const seen = recordDeadlines(t.fake.ops);
    const fixed = parseScenarioConfig({ text: labYaml({ lab1: ALL_DEVICES }, 'guest: { iso: /images/guest.iso }\n  durations: { bootS: 60, sshS: 30 }'), source: 'lab.yaml', baseDir: '/tmp' });
    const resultsDir = await tempDir('passbench-runner-');
    assert.equal((await t.run(sriov, { settings: { ...fixed.run, resultsDir } })).conclusion, 'passed');
    assert.ok(seen.boots.length > 0);
    for (const b of seen.boots) {
      assert.equal(describeDeadline(b.bootDeadline!), 'deadline 60 s, set by run.durations.bootS');
    }
    assert.equal(seen.ssh.length, seen.boots.length);
    assert.ok(seen.ssh.every((d) => describeDeadline(d) === 'deadline 30 s, set by run.durations.sshS'));
  });

  it('one host unreachable: the other still runs; exit 3 only when nothing failed', async () => {
    const t = await setup(['lab1', 'lab2'], { hook: (op, host) => { if (op === 'connect' && host === 'lab2') throw new Error('connect ECONNREFUSED 10.0.0.2:22'); } });
    const outcome = await t.run(sriov);
    assert.deepEqual(outcome.verdicts.map((v) => v.status), ['passed', 'unfit']);
    assert.match(outcome.verdicts[1]!.errors[0]!, /ECONNREFUSED 10\.0\.0\.2:22/);
    assert.equal(outcome.conclusion, 'unfit');
  });
});
