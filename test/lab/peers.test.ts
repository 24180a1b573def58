import assert from 'node:assert/strict';
import path from 'node:path';
import { execa } from 'execa';
import { guestImageDir } from '../../harness/lab/lab-up.ts';
import { labShell, sharedLab, sharedLabName, SNAPSHOT } from '../support/shared-lab.ts';
import { labLeftovers, NIC, resetLab, startFaultRun, VF_PF } from './fault-run.ts';

/**
 * The peers a real lab has, in the virtual lab (issue 13). A port of the lab host itself (10.0.3.10)
 * is what most fault runs measure against (faults.test.ts), the lab's traffic host (a machine of
 * its own, role: peer) what the nightly and the QEMU-killed fault run measure against; here the
 * third kind: two guests of one run measuring each other (two VFs of one PF; two whole igb PFs on
 * the test hub, as the ports of a dual-port NIC cabled back to back).
 */
const STAGED = '/var/lib/passbench/staged-image';

describe('peers in the virtual lab', function () {
  // Two nested guests at once under TCG-in-TCG, then a short TCP run.
  this.timeout(2_400_000);

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await resetLab([]);
  });

  it('doctor --lab: the lab host with what the virtual-lab selection needs of it, and the traffic host as a peer only', async () => {
    const { paths } = await sharedLab();
    const r = await execa('./bin/passbench.js', ['doctor', '--lab', paths.config, '--config', 'scenarios/virtual-lab.yaml', '--json'], { reject: false, timeout: 300_000 });
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    const reports = JSON.parse(r.stdout) as { host: string; role?: string; checks: { id: string; grade: string; detail: string }[] }[];
    assert.deepEqual(reports.map((x) => [x.host, x.role]), [[sharedLabName, undefined], [`${sharedLabName}-traffic`, 'peer']]);
    const lab = Object.fromEntries(reports[0]!.checks.map((c) => [c.id, c.grade]));
    for (const id of ['bridge-br-test', 'tun', 'dropbearkey']) assert.equal(lab[id], 'PASS', `${id}: ${JSON.stringify(reports[0])}`);
    assert.ok(Object.keys(lab).some((id) => id.startsWith('guest-file-')), JSON.stringify(lab));
    assert.deepEqual(reports[1]!.checks.map((c) => [c.id, c.grade]), [['peer', 'PASS']]);
    assert.match(reports[1]!.checks[0]!.detail, /^10\.0\.3\.11 on eth0; iperf 3\.\d+$/);
  });

  it('VF to VF: two VFs of one PF measure each other through the NIC\'s switch, no peer involved; host restored. The run copies the guest image there first', async () => {
    const lab = await sharedLab();
    const before = await labShell(SNAPSHOT);
    await labShell(`rm -rf ${STAGED}`);
    const run = await startFaultRun({ scenario: 'sriov', count: 2, pairs: true, repetitions: { min: 2, max: 2, targetCi: 0.5 }, copyTo: STAGED });
    const r = await run.child;
    assert.equal(r.exitCode, 0, run.output());
    // The guests booted from the copy the run made (run.guest.copyFrom), checked against the controller's SHA-256.
    const image = (await run.checks()).find((c) => c.name === 'guest-image');
    assert.match(String(image?.message), new RegExp(`^${STAGED}/guest-\\S+\\.vmlinux sha256 [0-9a-f]{16} [\\d.]+ MiB \\(copied from the controller\\); ${STAGED}/guest-\\S+\\.initrd sha256 `), JSON.stringify(image));
    const local = await execa('sha256sum', [path.join(guestImageDir(), path.basename(lab.state.guestImages!.initrd))]);
    assert.equal((await labShell(`sha256sum ${STAGED}/*.initrd`)).split(' ')[0], local.stdout.split(' ')[0]);
    await labShell(`rm -rf ${STAGED}`);
    const samples = await run.samples();
    const measured = new Set(samples.filter((s) => !s.warmup && String(s.metric).startsWith('tcp.')).map((s) => `${String(s.guest)} ${String(s.metric)}`));
    assert.ok(measured.has('vf0 tcp.tx.throughput') && measured.has('vf0 tcp.rx.throughput'), [...measured].join(', '));
    assert.ok(![...measured].some((m) => m.startsWith('vf1 ')), 'vf1 is the peer of the pair, not measured itself');
    const peer = (await run.checks()).find((c) => c.name === 'peer');
    assert.match(String(peer?.message), /^10\.0\.3\.32 on guest vf1 eth0, the other VF of the pair: VF to VF through the NIC's own switch; iperf 3\.\d+$/, JSON.stringify(peer));
    assert.equal(await labLeftovers(), '', 'nested QEMU or iperf3 left running in the lab');
    assert.equal(await labShell(SNAPSHOT), before);
  });

  it('NIC back to back: two igb PFs, each whole in a guest of its own, measure each other across the test hub; host restored', async () => {
    const before = await labShell(SNAPSHOT);
    const run = await startFaultRun({ scenario: 'passthrough', nicPair: true, repetitions: { min: 2, max: 2, targetCi: 0.5 } });
    const r = await run.child;
    assert.equal(r.exitCode, 0, run.output());
    const measured = new Set((await run.samples()).filter((s) => !s.warmup && String(s.metric).startsWith('tcp.')).map((s) => `${String(s.guest)} ${String(s.metric)}`));
    assert.ok(measured.has('nic0 tcp.tx.throughput') && measured.has('nic0 tcp.rx.throughput'), [...measured].join(', '));
    assert.ok(![...measured].some((m) => m.startsWith('nic1 ')), 'nic1 is the other end of the cable, not measured itself');
    const checks = await run.checks();
    assert.deepEqual(checks.filter((c) => c.name === 'iommu-group').map((c) => String(c.message).split(' ')[0]), [NIC, VF_PF]);
    const peer = checks.find((c) => c.name === 'peer');
    assert.match(String(peer?.message), new RegExp(`^10\\.0\\.3\\.22 on guest nic1 eth0, the port cabled back to back \\(${VF_PF}\\): port to port over the cable; iperf 3\\.\\d+$`), JSON.stringify(peer));
    // Each port proven in its own guest, as the igb it is.
    const proofs = checks.filter((c) => c.name === 'device-proof');
    assert.deepEqual(proofs.map((c) => [c.guest, c.status]), [['nic0', 'pass'], ['nic1', 'pass']], JSON.stringify(proofs));
    for (const p of proofs) assert.match(String(p.message), /8086:10c9 on igb/, JSON.stringify(p));
    assert.equal(await labLeftovers(), '', 'nested QEMU or iperf3 left running in the lab');
    assert.equal(await labShell(SNAPSHOT), before);
  });
});
