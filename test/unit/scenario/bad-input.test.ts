import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { runScenarioCommand, type RunOptions } from '../../../harness/cli/commands/run.ts';
import { UsageError } from '../../../harness/errors.ts';
import { plainProgress } from '../../../harness/scenario/progress.ts';
import { LAB, snapshot, useSimLabs } from '../../support/sim-kernel.ts';
import { KEY, fakeOps, labYaml, simHost, writeTemp } from './fake-lab.ts';

/**
 * The bad-input corpus: each entry is a config or argument a person could get wrong. Each must be
 * refused with a message that names the bad value, and no host may change (the simulated sysfs
 * snapshot is equal before and after; nothing was written to it; no lock or journal is left).
 */
interface BadInput {
  name: string;
  /** Lab config text (default: a good one). */
  yaml?: string;
  scenario?: string;
  options?: Partial<RunOptions>;
  expect: RegExp;
  /** 2: usage/config; 3: the host is not fit. */
  code?: 2 | 3;
  /** Found on the host (read-only checks), so the host was contacted. */
  hostSide?: boolean;
}

const dev = (devices: string) => `    devices:\n${devices.split('\n').map((d) => `      - ${d}`).join('\n')}\n`;
const NIC = `{ mode: nic, bdf: "${LAB.nicSpare}", model: e1000 }`;
const VF = `{ mode: vf, pf: "${LAB.pf}", count: 2, model: igb }`;
const good = (devices = dev(`${NIC}\n${VF}\n{ mode: e1000, network: user }`), run?: string) => labYaml({ lab1: devices }, run);
const RUN = 'guest: { iso: /images/guest.iso }\n  peer: { address: 10.0.3.10 }';
const withRun = (extra: string) => good(undefined, `${RUN}\n  ${extra}`);

const CORPUS: BadInput[] = [
  // --- the file itself
  { name: 'malformed YAML', yaml: 'hosts:\n  lab1: { address: [\n', expect: /not valid YAML/ },
  { name: 'a list at the top', yaml: '- hosts\n- run\n', expect: /expected a map with hosts: and run:, got a list/ },
  { name: 'unknown top-level key', yaml: `${good()}runs: {}\n`, expect: /\(top level\): unknown field "runs" \(allowed: hosts, run\)/ },
  { name: 'typo in a host entry', yaml: good().replace('    devices:', '    device:'), expect: /hosts\.lab1: unknown field "device" \(allowed: .*devices, peer, guest\)/ },
  { name: 'unknown key in a device', yaml: good(dev(`{ mode: vf, pf: "${LAB.pf}", vfcount: 2, model: igb }`)), expect: /hosts\.lab1\.devices\[0\]: unknown field "vfcount" \(allowed: mode, pf, count, model, expect, firstAddress, pairs\)/ },
  { name: 'unknown key in run', yaml: withRun('repetition: 3'), expect: /run: unknown field "repetition" \(allowed: guest, devices, peer, tests, repetitions/ },
  { name: 'bad connection port', yaml: good().replace('address: 10.0.0.1', 'address: 10.0.0.1\n    port: "22; x"'), expect: /hosts\.lab1\.port: expected a port number 1-65535, got "22; x"/ },
  // --- addresses and names
  { name: 'non-canonical BDF (short bus)', yaml: good(dev('{ mode: nic, bdf: "0000:3:00.0", model: e1000 }')), expect: /devices\[0\]\.bdf: expected a PCI address DDDD:BB:DD\.F .*got "0000:3:00\.0"/ },
  { name: 'upper-case BDF', yaml: good(dev('{ mode: nic, bdf: "0000:00:0A.0", model: e1000 }')), expect: /got "0000:00:0A\.0"/ },
  { name: 'BDF without domain', yaml: good(dev('{ mode: nic, bdf: "03:00.0", model: e1000 }')), expect: /got "03:00\.0"/ },
  { name: 'shell metacharacters in a BDF', yaml: good(dev('{ mode: nic, bdf: "0000:00:04.0;reboot", model: e1000 }')), expect: /got "0000:00:04\.0;reboot"/ },
  { name: '../ in a BDF', yaml: good(dev('{ mode: vf, pf: "../../../etc", count: 1, model: igb }')), expect: /devices\[0\]\.pf: .*got "\.\.\/\.\.\/\.\.\/etc"/ },
  { name: '../ in a host name', yaml: `hosts:\n  "../lab":\n    address: a\n    identityFile: k\n    hostKey: ${KEY}\n`, expect: /hosts: key "\.\.\/lab": expected a host name: lower-case letters, digits and "-"/ },
  { name: 'shell metacharacters in --host', options: { host: ['lab1;rm -rf /'] }, expect: /--host "lab1;rm -rf \/": not a host name/ },
  { name: 'unknown --host', options: { host: ['lab9'] }, expect: /--host lab9: no such host in .*lab\.yaml/ },
  { name: 'the same --host twice', options: { host: ['lab1', 'lab1'] }, expect: /--host lists a host twice: lab1, lab1/ },
  { name: '../ in the scenario name', scenario: '../../etc/passwd', expect: /scenario "\.\.\/\.\.\/etc\/passwd" is neither a scenario name/ },
  { name: 'a scenario that does not exist', scenario: 'nosuch', expect: /no scenario "nosuch".*Scenarios in .*scenarios\/: .*nightly/s },
  { name: 'a bad --history', options: { history: 'mysql://db/x' }, expect: /--history "mysql:\/\/db\/x": expected a SQLite file path/ },
  { name: 'shell in run.history', yaml: withRun('history: "x.sqlite; rm -rf /"'), expect: /run\.history: expected a SQLite file path .*got "x\.sqlite; rm -rf \/"/ },
  // --- devices
  { name: 'unknown mode', yaml: good(dev(`{ mode: sriov, pf: "${LAB.pf}", count: 2 }`)), expect: /devices\[0\]\.mode: expected mode: nic, vf, e1000, virtio, got "sriov"/ },
  { name: 'zero VFs', yaml: good(dev(`{ mode: vf, pf: "${LAB.pf}", count: 0, model: igb }`)), expect: /devices\[0\]\.count: expected 1-256 VFs, got 0/ },
  { name: '300 VFs', yaml: good(dev(`{ mode: vf, pf: "${LAB.pf}", count: 300, model: igb }`)), expect: /devices\[0\]\.count: expected 1-256 VFs, got 300/ },
  { name: 'VF count as words', yaml: good(dev(`{ mode: vf, pf: "${LAB.pf}", count: two, model: igb }`)), expect: /devices\[0\]\.count: .*got "two"/ },
  { name: 'unknown model', yaml: good(dev(`{ mode: nic, bdf: "${LAB.nicSpare}", model: "82597" }`)), expect: /devices\[0\]\.model: model "82597" has no whole-NIC entry; allowed: 82598, 82599, igb, e1000/ },
  { name: 'VFs of a model without SR-IOV', yaml: good(dev(`{ mode: vf, pf: "${LAB.pf}", count: 2, model: "82598" }`)), expect: /model "82598" has no VF entry; allowed: 82599, igb/ },
  { name: 'no model and no expect', yaml: good(dev(`{ mode: nic, bdf: "${LAB.nicSpare}" }`)), expect: /devices\[0\]\.model: missing: give model/ },
  { name: 'bad expected vendor:device', yaml: good(dev(`{ mode: nic, bdf: "${LAB.nicSpare}", expect: { vendorDevice: "8086-100e", driver: e1000 } }`)), expect: /expect\.vendorDevice: expected vendor:device .*got "8086-100e"/ },
  { name: 'the same device in two guests', yaml: good(dev(`${NIC}\n${NIC}`)), expect: /0000:00:04\.0 is given to two guests \(hosts\.lab1\.devices\[0\] and hosts\.lab1\.devices\[1\]\)/ },
  { name: 'the same PF\'s VFs twice', yaml: good(dev(`${VF}\n${VF}`)), expect: /VFs of 0000:00:02\.0 is given to two guests/ },
  { name: 'a guest address without prefix', yaml: good(dev(`{ mode: nic, bdf: "${LAB.nicSpare}", model: e1000, address: 10.0.3.21 }`)), expect: /devices\[0\]\.address: expected an IPv4 address with prefix length.*got "10\.0\.3\.21"/ },
  { name: 'VF addresses running out', yaml: good(dev(`{ mode: vf, pf: "${LAB.pf}", count: 7, model: igb, firstAddress: 10.0.3.250/24 }`)), expect: /VF guest 5 would get 10\.0\.3\.255\/24; pick a firstAddress with room for 7 guests/ },
  { name: 'no device for the scenario', scenario: 'sriov', yaml: good(dev('{ mode: e1000, network: user }')), expect: /scenario sriov tests vf, but no such device is configured/ },
  // --- run settings
  { name: 'unknown test', yaml: withRun('tests: [tcp, tcpp]'), expect: /run\.tests\[1\]: got "tcpp"; allowed: tcp, udp, latency, http/ },
  { name: 'a test twice', yaml: withRun('tests: [tcp, tcp]'), expect: /run\.tests: a test is listed twice/ },
  { name: 'repetitions min above max', yaml: withRun('repetitions: { min: 20, max: 5 }'), expect: /run\.repetitions\.max: expected max ≥ min, got 5/ },
  { name: 'zero repetitions', yaml: withRun('repetitions: { min: 0 }'), expect: /run\.repetitions\.min: expected 1-1000, got 0/ },
  { name: 'a CI target above 1', yaml: withRun('repetitions: { targetCi: 1.5 }'), expect: /run\.repetitions\.targetCi: expected a fraction between 0 and 1.*got 1\.5/ },
  // --- the night verdict's settings (issue 12): each bad value named, exit 2
  { name: 'a threshold that is not a percentage', yaml: withRun('thresholds: { tcp.tx.throughput: 150 }'), expect: /run\.thresholds\.tcp\.tx\.throughput: expected a percentage above 0 and below 100, got 150/ },
  { name: 'a negative absolute threshold', yaml: withRun('thresholds: { "udp.*.loss": { absolute: -1 } }'), expect: /run\.thresholds\.udp\.\*\.loss\.absolute: expected a number ≥ 0 in the metric's unit, got -1/ },
  { name: 'a threshold for a name that is no metric', yaml: withRun('thresholds: { "TCP throughput": 3 }'), expect: /run\.thresholds: key "TCP throughput": expected "default" or a metric name or pattern/ },
  { name: 'a gate that is no metric pattern', yaml: withRun('gate: [tcp.tx.throughput, "tcp; rm"]'), expect: /run\.gate\[1\]: expected a metric name or pattern.*got "tcp; rm"/ },
  { name: 'a false-alarm rate above 50 %', yaml: withRun('falseAlarms: 80'), expect: /run\.falseAlarms: expected a percentage above 0 and at most 50, got 80/ },
  { name: 'a baseline of 0 nights', yaml: withRun('baseline: { nights: 0 }'), expect: /run\.baseline\.nights: expected 2-100 nights, got 0/ },
  { name: 'a pin that is neither a run id nor a selector', yaml: withRun('baseline: { pin: "kernal=6.1" }'), expect: /run\.baseline\.pin: expected a run id or a selector KEY=VALUE.*got "kernal=6\.1"/ },
  { name: 'the removed baseline.mode', yaml: withRun('baseline: { mode: e1000 }'), expect: /run\.baseline\.mode: removed: it did nothing .*delete the key, got "e1000"/ },
  { name: 'the removed baseline.previous', yaml: withRun('baseline: { previous: previous }'), expect: /run\.baseline\.previous: removed: .*last good nights \(baseline\.nights, default 10\).*pin: kernel=6\.1.*run\.gate: \[\], got "previous"/ },
  { name: 'a relative guest image path', yaml: good(undefined, 'guest: { iso: guest.iso }\n  peer: { address: 10.0.3.10 }'), expect: /run\.guest\.iso: expected an absolute file path on the lab host: it is not absolute.*got "guest\.iso"/ },
  { name: '../ in the guest image path', yaml: good(undefined, 'guest: { iso: /images/../etc/shadow }\n  peer: { address: 10.0.3.10 }'), expect: /run\.guest\.iso: .*it has a "\.\." part.*got "\/images\/\.\.\/etc\/shadow"/ },
  { name: 'a folder as the guest image', yaml: good(undefined, 'guest: { iso: /images/ }\n  peer: { address: 10.0.3.10 }'), expect: /run\.guest\.iso: .*ends with "\/", so it names a folder.*got "\/images\/"/ },
  { name: 'a "." part in the guest image path', yaml: good(undefined, 'guest: { kernel: /images/./vmlinuz, initrd: /images/initrd }\n  peer: { address: 10.0.3.10 }'), expect: /run\.guest\.kernel: .*"\." or empty part.*got "\/images\/\.\/vmlinuz"/ },
  { name: 'two ways to boot', yaml: good(undefined, 'guest: { iso: /a.iso, kernel: /k }\n  peer: { address: 10.0.3.10 }'), expect: /run\.guest: give exactly one way to boot.*found iso and kernel/ },
  { name: 'a qcow2 with a seed of its own', yaml: good(undefined, 'guest: { qcow2: /img/u.qcow2, seed: /img/seed.iso }\n  peer: { address: 10.0.3.10 }'), expect: /run\.guest\.seed: passbench writes each guest's cloud-init seed itself/ },
  { name: 'a qcow2 with a login of no known shape', yaml: good(undefined, 'guest: { qcow2: /img/u.qcow2, login: password }\n  peer: { address: 10.0.3.10 }'), expect: /run\.guest\.login: expected cloud-init .* or \{ user, identityFile, hostKey \}/ },
  { name: 'no guest image', yaml: good(undefined, 'peer: { address: 10.0.3.10 }'), expect: /host lab1: no guest image/ },
  { name: 'a bad peer address', yaml: good(undefined, 'guest: { iso: /g.iso }\n  peer: { address: 10.0.3.999 }'), expect: /run\.peer\.address: expected an IPv4 address.*got "10\.0\.3\.999"/ },
  { name: 'a peer host that does not exist', yaml: good(undefined, 'guest: { iso: /g.iso }\n  peer: { host: peer9, address: 10.0.3.10 }'), expect: /peer\.host "peer9" is not a host/ },
  // --- found on the host, read-only
  { name: 'a device that does not exist', hostSide: true, yaml: good(dev('{ mode: nic, bdf: "0000:42:00.0", model: e1000 }')), expect: /no PCI device 0000:42:00\.0 on sim-kernel/ },
  { name: 'the active NIC (default route)', hostSide: true, yaml: good(dev(`{ mode: nic, bdf: "${LAB.nicActive}", model: e1000 }`)), expect: /0000:00:03\.0 carries eth0, which the host uses/ },
  { name: 'more VFs than sriov_totalvfs', hostSide: true, yaml: good(dev(`{ mode: vf, pf: "${LAB.pf}", count: 9, model: igb }`)), expect: /count 9 is more VFs than 0000:00:02\.0 can make \(sriov_totalvfs 7\); use 1-7/ },
  { name: 'VFs of a PF without SR-IOV', hostSide: true, yaml: good(dev(`{ mode: vf, pf: "${LAB.nicSpare}", count: 2, expect: { vendorDevice: "8086:10ca", driver: igbvf } }`)), expect: /0000:00:04\.0 is not SR-IOV capable/ },
  { name: 'a device that is not the model', hostSide: true, yaml: good(dev(`{ mode: nic, bdf: "${LAB.nicSpare}", model: "82599" }`)), expect: /0000:00:04\.0 is 8086:100e, not 8086:10fb as its model says/ },
  { name: 'a PCI bridge as the NIC', hostSide: true, yaml: good(dev(`{ mode: nic, bdf: "${LAB.bridge}", expect: { vendorDevice: "8086:29c9", driver: pcieport } }`)), expect: /0000:00:01\.0 is a PCI bridge/ },
];

describe('scenario: bad input corpus (each refused clearly, no host changed)', () => {
  const lab = useSimLabs();
  it(`has at least 30 entries (${CORPUS.length})`, () => assert.ok(CORPUS.length >= 30));

  for (const bad of CORPUS) {
    it(`refuses ${bad.name}`, async () => {
      const l = await simHost(lab);
      const before = await snapshot(l.root);
      const fake = fakeOps({ hosts: { lab1: l.sim } });
      const file = await writeTemp('lab.yaml', bad.yaml ?? good());
      const printed: string[] = [];
      let code: number;
      let text: string;
      try {
        code = await runScenarioCommand(bad.scenario ?? 'nightly', { lab: file, host: [], ...bad.options }, {
          ops: () => fake.ops, progress: plainProgress((t) => printed.push(t)), print: (t) => printed.push(t),
        });
        text = printed.join('\n');
      } catch (error) {
        assert.ok(error instanceof UsageError, `expected a UsageError, got ${String(error)}`);
        code = 2;
        text = `${error.message}\n${error.remedy ?? ''}`;
      }
      assert.equal(code, bad.code ?? 2, text);
      assert.match(text, bad.expect);
      assert.deepEqual(await snapshot(l.root), before, 'the simulated host changed');
      assert.deepEqual(l.sim.writes, [], 'something was written to sysfs');
      for (const left of ['run.lock', 'journal.json']) {
        assert.equal(await fs.stat(path.join(l.root, 'var/lib/passbench', left)).catch(() => undefined), undefined, `${left} left behind`);
      }
      // Config and argument errors are found before any host is contacted.
      assert.equal(fake.events.some((e) => e.startsWith('connect')), Boolean(bad.hostSide));
      assert.ok(!fake.events.some((e) => e.startsWith('boot')));
    });
  }

  it('a journal left by an earlier run: the host is not fit (exit 3) until restored', async () => {
    const l = await simHost(lab);
    await fs.mkdir(path.join(l.root, 'var/lib/passbench'), { recursive: true });
    await fs.writeFile(path.join(l.root, 'var/lib/passbench/journal.json'), '{"version":1,"host":"x","createdAt":"t","steps":[]}');
    const before = await snapshot(l.root);
    const printed: string[] = [];
    const code = await runScenarioCommand('nightly', { lab: await writeTemp('lab.yaml', good()), host: [] }, {
      ops: () => fakeOps({ hosts: { lab1: l.sim } }).ops, progress: plainProgress(() => undefined), print: (t) => printed.push(t),
    });
    assert.equal(code, 3);
    assert.match(printed.join('\n'), /journal \/var\/lib\/passbench\/journal\.json from an earlier run is still there.*passbench restore --host lab1/s);
    assert.deepEqual(await snapshot(l.root), before);
  });
});
