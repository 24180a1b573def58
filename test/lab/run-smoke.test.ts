import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { RunMeta } from '../../harness/results/schema.ts';
import { labShell, sharedLab, sharedLabName, SNAPSHOT } from '../support/shared-lab.ts';

/**
 * `passbench run smoke` against the virtual lab, the way CI runs it: the lab config `lab up` wrote
 * (with the guest image in run.guest) and scenarios/virtual-lab.yaml. Every device of the selection
 * (the whole second igb PF, a VF of the first, the e1000 and virtio-net baselines) is booted in a nested guest and proven
 * over SSH; the host's drivers, overrides and VF counts, read by a shell loop outside the harness,
 * are the same before and after.
 */

interface Outcome { runId: string; runDir?: string; status: string; verdicts: { host: string; status: string }[]; reports: Record<string, string> }
interface CheckLine { name: string; status: string; mode?: string; message: string }

describe('passbench run smoke in the virtual lab (nested guests, real vfio-pci)', function () {
  // Four nested guests one after another under TCG-in-TCG: ~1 min each on an idle 2-core machine.
  this.timeout(3_600_000);
  let tmp = '';

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-run-smoke-'));
  });
  after(async () => {
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  it('boots a guest per device, proves 8086:10c9 igb, 8086:10ca igbvf, 8086:100e e1000 and 1af4:0001 virtio_net, and restores the host', async () => {
    const { paths } = await sharedLab();
    const before = await labShell(SNAPSHOT);
    const r = await execa('./bin/passbench.js', [
      'run', 'smoke', '--lab', paths.config, '--config', 'scenarios/virtual-lab.yaml', '--host', sharedLabName,
      '--history', path.join(tmp, 'history.sqlite'), '--json',
    ], { reject: false, timeout: 3_300_000 });
    assert.equal(r.exitCode, 0, `exit ${r.exitCode}\n${r.stdout}\n${r.stderr.slice(-4000)}`);
    const outcome = JSON.parse(r.stdout) as Outcome;
    assert.equal(outcome.status, 'passed', r.stdout);
    assert.deepEqual(outcome.verdicts.map((v) => [v.host, v.status]), [[sharedLabName, 'passed']]);

    // The run directory: meta, every check, and the reports.
    assert.ok(outcome.runDir, r.stdout);
    const files = await fs.readdir(outcome.runDir);
    for (const f of ['run.json', 'checks.jsonl', 'samples.jsonl']) assert.ok(files.includes(f), `${f} missing in ${outcome.runDir}: ${files.join(' ')}`);
    for (const [kind, file] of Object.entries(outcome.reports)) {
      assert.ok((await fs.stat(file)).size > 0, `report ${kind} ${file} is empty`);
    }
    // Provenance, read on the lab host before the bind: its CPU and the NIC under test (the whole igb PF, the selection's first device).
    const meta = JSON.parse(await fs.readFile(path.join(outcome.runDir, 'run.json'), 'utf8')) as RunMeta;
    const host = meta.hosts[0]!;
    assert.ok((host.cpuModel ?? '').length > 0, JSON.stringify(host));
    assert.ok(host.nic, JSON.stringify(host));
    assert.deepEqual({ ...host.nic, driverVersion: undefined, firmware: undefined, model: undefined }, {
      bdf: '0000:00:04.0', vendorDevice: '8086:10c9', driver: 'igb', iface: host.nic.iface, linkSpeedMbps: 1000, mtu: 1500,
      driverVersion: undefined, firmware: undefined, model: undefined,
    });
    assert.match(host.nic.model, /82576/);
    assert.equal(host.nic.driverVersion, host.kernel, 'igb is in-tree: ethtool reports the kernel release');
    assert.ok(host.nic.firmware.length > 0);
    const checks = (await fs.readFile(path.join(outcome.runDir, 'checks.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as CheckLine);
    const proofs = checks.filter((c) => c.name === 'device-proof');
    for (const [mode, want] of [['nic', /8086:10c9 on igb\b/], ['vf', /8086:10ca on igbvf\b/], ['e1000', /8086:100e on e1000\b/], ['virtio', /1af4:0001 on virtio_net\b/]] as const) {
      const proof = proofs.find((c) => c.mode === mode);
      assert.ok(proof, `no device-proof check for ${mode}: ${JSON.stringify(proofs)}`);
      assert.equal(proof.status, 'pass', JSON.stringify(proof));
      assert.match(proof.message, want);
      assert.match(proof.message, /, guest kernel \d+\.\d+\.\d+-passbench\b/, 'the guest kernel, with the proof');
    }
    assert.ok(!checks.some((c) => c.status === 'fail'), JSON.stringify(checks.filter((c) => c.status === 'fail')));
    // The baselines on the test wire; virtio-net's data path in the lab host's kernel (vhost-net, under TCG too).
    const networks = Object.fromEntries(checks.filter((c) => c.name === 'guest-network').map((c) => [c.mode, c.message]));
    assert.equal(networks.e1000, 'emulated e1000, a tap in bridge br-test, 10.0.3.41/24 on the test wire');
    assert.equal(networks.virtio, 'emulated virtio-net with vhost-net, a tap in bridge br-test, 10.0.3.42/24 on the test wire');
    // Each guest's console is kept with the results, whole (from the kernel's release line to the shutdown).
    const consoles = (await fs.readdir(path.join(outcome.runDir, 'artifacts'))).filter((f) => f.endsWith('-console.log'));
    assert.equal(consoles.length, 4, `console logs in artifacts/: ${consoles.join(' ')}\n${r.stderr.slice(-4000)}`);
    for (const f of consoles) assert.match(await fs.readFile(path.join(outcome.runDir, 'artifacts', f), 'utf8'), /services started/, f);

    // Drivers, overrides and VF counts as they were; no nested QEMU left in the lab.
    assert.equal(await labShell(SNAPSHOT), before);
    assert.equal((await labShell('pgrep -c qemu-system || true')).trim(), '0');
  });
});
