import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/passbench.js');

/**
 * The real command, as a child: `run` loads its scenario through a module hook (scenario-module.ts)
 * that, registered inside mocha's process, left later dynamic imports hanging until node exited
 * mid-suite with code 0 (the unit suite stopped at "changes over a history" and reported nothing).
 */
async function runCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await execa(BIN, args, { reject: false, timeout: 120_000 });
  return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Every lab config in examples/ plans the nightly (a dry run contacts no host) and shows what it promises. */
describe('examples/: the lab configs a lab engineer starts from (issue 13, point 6)', function () {
  this.timeout(300_000);
  const configs = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));

  it(`there are some (${configs.join(', ')})`, () => assert.ok(configs.length > 0));

  it('the 82599 host with a traffic peer: whole NIC, 4 VFs, both baselines on the test wire, the peer not changed', async () => {
    const r = await runCli('run', 'nightly', '--lab', path.join(EXAMPLES, 'lab-82599.yaml'), '--dry-run');
    assert.equal(r.code, 0, r.stderr);
    for (const line of [
      /case kvm1\/nic-0000:03:00\.0: whole NIC 0000:03:00\.0, expect 8086:10fb on ixgbe/,
      /case kvm1\/vf-0000:03:00\.1: 4 VF\(s\) of 0000:03:00\.1, expect 8086:10ed on ixgbevf/,
      /case kvm1\/e1000: emulated e1000 on the test wire \(a tap in bridge br-test\)/,
      /case kvm1\/virtio: emulated virtio-net on the test wire \(a tap in bridge br-test\)/,
      /peer: 10\.0\.3\.11 on gen1 \(a traffic peer, not changed\)/,
    ]) assert.match(r.stdout, line);
    assert.doesNotMatch(r.stdout, /host gen1/, 'the traffic peer is not a host under test');
  });

  it('back to back, no peer anywhere: the two ports of one NIC in two guests, and two VFs through the NIC\'s switch', async () => {
    const r = await runCli('run', 'nightly', '--lab', path.join(EXAMPLES, 'lab-back-to-back.yaml'), '--dry-run');
    assert.equal(r.code, 0, r.stderr);
    for (const line of [
      /case kvm1\/nic-0000:03:00\.0: whole NIC 0000:03:00\.0 and 0000:03:00\.1 back to back, expect 8086:10fb on ixgbe/,
      /guests: nic0 10\.0\.3\.21\/24, nic1 10\.0\.3\.22\/24\n {4}measured in pairs, port to port over their cable: nic0 against nic1/,
      /measured in pairs, VF to VF through the NIC's switch: vf0 against vf1/,
    ]) assert.match(r.stdout, line);
    assert.doesNotMatch(r.stdout, /peer:/);
  });

  for (const file of configs) {
    it(`${file}: every scenario plans on it, or is refused only for having no device of its kind`, async () => {
      let planned = 0;
      for (const scenario of ['smoke', 'passthrough', 'sriov', 'e1000-baseline', 'nightly']) {
        const r = await runCli('run', scenario, '--lab', path.join(EXAMPLES, file), '--dry-run');
        if (r.code === 0) planned += 1;
        else assert.match(r.stderr, /^ {2}- host \S+: scenario \S+ tests [a-z0-9, ]+, but no such device is configured/m, `${scenario}: ${r.stderr}`);
      }
      assert.ok(planned >= 4, `${file}: only ${planned} of 5 scenarios plan`);
    });
  }
});
