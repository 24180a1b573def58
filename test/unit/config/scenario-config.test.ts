import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { parseLabConfig } from '../../../harness/config/lab-config.ts';
import { addToAddress, parseHistoryLocation, parseScenarioConfig } from '../../../harness/config/scenario-config.ts';
import { nightSettingsOf } from '../../../harness/config/verdict-config.ts';
import { UsageError } from '../../../harness/errors.ts';
import { absoluteThresholdFor, thresholdFor } from '../../../harness/results/thresholds.ts';
import { labConfigYaml } from '../../../harness/lab/lab-config-yaml.ts';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl lab1';
const HOST = `  lab1:\n    address: 10.0.0.5\n    identityFile: /k\n    hostKey: ${KEY}\n`;
const parse = (text: string, selection?: string) =>
  parseScenarioConfig({ text, source: 'lab.yaml', baseDir: '/etc/pb' }, selection === undefined ? undefined : { text: selection, source: 'sel.yaml' });

describe('config/scenario-config', () => {
  it('a lab config with only connections (as `lab up` writes it) still parses, with run defaults', () => {
    const config = parse(labConfigYaml('lab', 2222, '/k', KEY));
    assert.deepEqual(config.hosts.lab?.devices, []);
    assert.equal(config.hosts.lab?.journalPath, '/var/lib/passbench/journal.json');
    assert.equal(config.hosts.lab?.lockDir, '/var/lib/passbench/run.lock');
    assert.deepEqual(config.run.tests, ['tcp', 'udp', 'latency', 'http']);
    assert.deepEqual(config.run.repetitions, { min: 12, max: 30, targetCi: 0.015, warmup: 'each' });
    assert.deepEqual(config.run.baseline, { nights: 10, minNights: 5 });
    assert.deepEqual(config.run.thresholds, {});
    assert.equal(config.run.gate, undefined);
    assert.equal(config.run.falseAlarms, 5);
    assert.equal(config.run.history, 'reports/history.sqlite');
    assert.equal(config.run.accel, 'kvm');
    assert.deepEqual(config.run.iperf3, { streams: 1, udpBitrate: 100e6, omit: 1 });
  });

  it('run.guest.copyFrom is a folder of this machine, relative to the file that gave it', () => {
    const guest = (from: string) => `run:\n  guest: { kernel: /var/lib/passbench/k, initrd: /var/lib/passbench/i, copyFrom: ${from} }\n`;
    assert.equal(parse(`hosts:\n${HOST}${guest('images')}`).hosts.lab1?.guest?.copyFrom, '/etc/pb/images');
    assert.equal(parse(`hosts:\n${HOST}${guest('~/images')}`).hosts.lab1?.guest?.copyFrom, path.join(os.homedir(), 'images'));
    assert.equal(parse(`hosts:\n${HOST}`, guest('images')).hosts.lab1?.guest?.copyFrom, path.resolve('images'), 'relative to sel.yaml\'s folder');
    assert.equal(parse(`hosts:\n${HOST}`).hosts.lab1?.guest, undefined);
  });

  it('host entries with a selection still parse for the host commands (lab-config.ts)', () => {
    const text = `hosts:\n${HOST}    devices:\n      - { mode: e1000, network: user }\n    peer: { address: 10.0.3.10 }\nrun: { tests: [tcp] }\n`;
    assert.equal(parseLabConfig(text, 'lab.yaml', '/etc/pb').hosts.lab1?.address, '10.0.0.5');
  });

  it('run.guest: the lab\'s own qcow2 image, with cloud-init by default or a login the image already has', () => {
    const guest = (g: string) => parse(`hosts:\n${HOST}run:\n  guest: ${g}\n`).hosts.lab1?.guest;
    assert.deepEqual(guest('{ qcow2: /var/lib/pb/debian.qcow2 }'), { qcow2: '/var/lib/pb/debian.qcow2', memoryMiB: 512, cpus: 1 });
    assert.deepEqual(guest('{ qcow2: /d.qcow2, kernel: /d.vmlinuz, initrd: /d.initrd, login: cloud-init }'),
      { qcow2: '/d.qcow2', kernel: '/d.vmlinuz', initrd: '/d.initrd', login: 'cloud-init', memoryMiB: 512, cpus: 1 });
    // A login's key is on this machine, relative to the config file.
    assert.deepEqual(guest(`{ qcow2: /d.qcow2, login: { user: debian, identityFile: keys/guest, hostKey: ${KEY} } }`)?.login,
      { user: 'debian', identityFile: '/etc/pb/keys/guest', hostKey: KEY });
  });

  const guestRefusals: [string, RegExp][] = [
    ['{ qcow2: /d.qcow2, seed: /d/seed.iso }', /run\.guest\.seed: passbench writes each guest's cloud-init seed itself .*remove seed/],
    ['{ qcow2: /d.qcow2, iso: /g.iso }', /give exactly one way to boot: iso, or kernel \+ initrd, or qcow2 \(found iso and qcow2\)/],
    ['{ qcow2: /d.qcow2, kernel: /d.vmlinuz }', /run\.guest\.initrd: kernel and initrd go together \(a qcow2 image's own kernel/],
    ['{ iso: /g.iso, login: cloud-init }', /run\.guest\.login: login is for a qcow2 image/],
    ['{ qcow2: /d.qcow2, login: ssh }', /run\.guest\.login: expected cloud-init \(passbench writes a seed per guest\) or \{ user, identityFile, hostKey \}/],
    ['{ qcow2: /d.qcow2, login: { user: root, identityFile: /k, hostKey: "ssh-ed25519 nope" } }', /run\.guest\.login\.hostKey: expected the image's SSH host key/],
    ['{ qcow2: "d.qcow2" }', /run\.guest\.qcow2: expected an absolute file path on the lab host/],
  ];
  for (const [given, message] of guestRefusals) {
    it(`refuses run.guest ${given}, naming what to give`, () => {
      assert.throws(() => parse(`hosts:\n${HOST}run:\n  guest: ${given}\n`), (e: unknown) => e instanceof UsageError && message.test(e.message));
    });
  }

  it('resolves models: whole NIC, VFs with one address per guest, the e1000', () => {
    const config = parse(`hosts:\n${HOST}    devices:\n      - { mode: nic, bdf: "0000:03:00.0", model: "82598" }\n`
      + '      - { mode: vf, pf: "0000:03:00.1", count: 3, model: "82599", firstAddress: 10.0.3.40/24 }\n      - { mode: e1000, network: user }\n'
      + '      - { mode: nic, bdf: "0000:05:00.0", expect: { vendorDevice: "8086:1572", driver: i40e } }\n');
    const [nic, vf, e1000, custom] = config.hosts.lab1!.devices;
    assert.deepEqual(nic?.expect, { vendorDevice: '8086:10b6', driver: 'ixgbe' });
    assert.equal(nic?.hostId, '8086:10b6');
    assert.deepEqual(vf?.expect, { vendorDevice: '8086:10ed', driver: 'ixgbevf' });
    assert.equal(vf?.hostId, '8086:10fb');
    assert.deepEqual(vf?.addresses, ['10.0.3.40/24', '10.0.3.41/24', '10.0.3.42/24']);
    assert.deepEqual(e1000?.expect, { vendorDevice: '8086:100e', driver: 'e1000' });
    assert.deepEqual(custom?.expect, { vendorDevice: '8086:1572', driver: 'i40e' });
    assert.equal(custom?.source, 'hosts.lab1.devices[3]');
  });

  it('the e1000 baseline says where it sits: on the test wire (bridge + address) or, explicitly, on user-net', () => {
    const on = (e1000: string) => parse(`hosts:\n${HOST}    devices:\n      - ${e1000}\n`).hosts.lab1!.devices[0];
    assert.deepEqual(on('{ mode: e1000, bridge: br-test, address: 10.0.3.41/24 }'),
      { mode: 'e1000', id: 'e1000', expect: { vendorDevice: '8086:100e', driver: 'e1000' }, addresses: ['10.0.3.41/24'], bridge: 'br-test', source: 'hosts.lab1.devices[0]' });
    assert.deepEqual(on('{ mode: virtio, bridge: br-test, address: 10.0.3.42/24 }'),
      { mode: 'virtio', id: 'virtio', expect: { vendorDevice: '1af4:0001', driver: 'virtio_net' }, addresses: ['10.0.3.42/24'], bridge: 'br-test', source: 'hosts.lab1.devices[0]' });
    assert.deepEqual(on('{ mode: e1000, network: user }')?.addresses, []);
    assert.equal(on('{ mode: e1000, network: user }')?.bridge, undefined);
    for (const [bad, says] of [
      ['{ mode: e1000 }', /say where the baseline sits: bridge .* and address .*; or network: user for QEMU user-net, which does not cross the test wire/],
      ['{ mode: e1000, bridge: br-test }', /say where the baseline sits/],
      ['{ mode: virtio }', /say where the baseline sits: .*e\.g\. \{ mode: virtio, bridge: br-test/],
      ['{ mode: e1000, network: user, bridge: br-test }', /network: user takes no bridge or address/],
      ['{ mode: e1000, bridge: "br0;reboot", address: 10.0.3.41/24 }', /bridge: expected an interface name \(letters, digits, _ \. -; at most 15\), got "br0;reboot"/],
      ['{ mode: e1000, network: tap }', /network: got "tap"; allowed: user/],
    ] as const) {
      assert.throws(() => on(bad), (e: unknown) => e instanceof UsageError && says.test(e.message), bad);
    }
  });

  it('user models extend the built-in ones', () => {
    const config = parse(`hosts:\n${HOST}    devices:\n      - { mode: vf, pf: "0000:03:00.0", count: 1, model: x710 }\n`
      + 'run:\n  models:\n    x710: { nic: { vendorDevice: "8086:1572", driver: i40e }, vf: { vendorDevice: "8086:154c", driver: iavf } }\n');
    assert.deepEqual(config.hosts.lab1?.devices[0]?.expect, { vendorDevice: '8086:154c', driver: 'iavf' });
  });

  it('--config lays a selection over the lab config; run.devices serves hosts without their own', () => {
    const config = parse(`hosts:\n${HOST}  lab2:\n    address: 10.0.0.6\n    identityFile: /k\n    hostKey: ${KEY}\n`,
      'hosts:\n  lab2:\n    devices: [{ mode: e1000, network: user }]\nrun:\n  accel: tcg\n  devices: [{ mode: vf, pf: "0000:00:01.0", count: 2, model: igb }]\n  peer: { address: 10.0.3.10 }\n');
    assert.equal(config.hosts.lab1?.devices[0]?.mode, 'vf');
    assert.equal(config.hosts.lab1?.devices[0]?.source, 'run.devices[0]');
    assert.equal(config.hosts.lab2?.devices[0]?.mode, 'e1000');
    assert.deepEqual(config.hosts.lab2?.peer, { host: 'lab2', address: '10.0.3.10' });
    assert.equal(config.run.accel, 'tcg');
  });

  it('the selection\'s run: keys override one by one; the lab config keeps the rest', () => {
    const config = parse(`hosts:\n${HOST}run:\n  guest: { iso: /images/guest-6.12-ab.iso }\n  tests: [tcp]\n`, 'run:\n  tests: [udp, latency]\n');
    assert.equal(config.run.guest?.iso, '/images/guest-6.12-ab.iso');
    assert.deepEqual(config.run.tests, ['udp', 'latency']);
  });

  it('a selection for a host the lab does not have is an error naming it', () => {
    assert.throws(() => parse(`hosts:\n${HOST}`, 'hosts:\n  lab7:\n    devices: [{ mode: e1000, network: user }]\n'),
      (e: unknown) => e instanceof UsageError && /sel\.yaml: hosts\.lab7: no host "lab7" in lab config lab\.yaml/.test(e.message));
    assert.throws(() => parse(`hosts:\n${HOST}`, `hosts:\n  lab1:\n    address: 1.2.3.4\n`),
      (e: unknown) => e instanceof UsageError && /hosts\.lab1: unknown field "address" \(allowed: devices, peer, guest\)/.test(e.message));
  });

  it('lists every problem at once, each with path, value and what is allowed', () => {
    assert.throws(() => parse(`hosts:\n${HOST}    devices:\n      - { mode: nic, bdf: "0000:3:00.0", model: igb }\n`
      + 'run:\n  tests: [http, ping]\n  baseline: { nights: 1 }\n  durations: { measureS: 0 }\n'), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /hosts\.lab1\.devices\[0\]\.bdf: .*got "0000:3:00\.0"/);
      assert.match(e.message, /run\.tests\[1\]: got "ping"; allowed: tcp, udp, latency, http/);
      assert.match(e.message, /run\.baseline\.nights: expected 2-100 nights, got 1/);
      assert.match(e.message, /run\.durations\.measureS: expected 1-3600 s, got 0/);
      return true;
    });
  });

  it('the night verdict\'s settings: baseline nights or a pin, thresholds (relative and absolute), gate, false-alarm rate', () => {
    const config = parse(`hosts:\n${HOST}run:\n  baseline: { nights: 12, minNights: 6, pin: kernel=6.1 }\n`
      + '  thresholds: { default: 4, tcp.tx.throughput: 3, "latency.*": { percent: 10 }, "udp.*.loss": { absolute: 1 } }\n'
      + '  gate: ["tcp.*.throughput", "*.loss"]\n  falseAlarms: 10\n');
    const s = nightSettingsOf(config.run);
    assert.deepEqual({ nights: s.nights, minNights: s.minNights, pin: s.pin, gate: s.gate, rate: s.falseAlarmRate }, {
      nights: 12, minNights: 6, pin: 'kernel=6.1', gate: ['tcp.*.throughput', '*.loss'], rate: 0.1,
    });
    const t = s.thresholds!;
    assert.equal(thresholdFor(t, 'tcp.tx.throughput'), 0.03);
    assert.equal(thresholdFor(t, 'latency.idle.p99'), 0.1);
    assert.equal(thresholdFor(t, 'http.rate'), 0.04);
    assert.equal(absoluteThresholdFor(t, 'udp.tx.loss'), 1);
    assert.equal(absoluteThresholdFor(t, 'latency.idle.loss'), 0.5); // the built-in one
    assert.equal(absoluteThresholdFor(t, 'tcp.tx.retransmits'), 10);
    assert.throws(() => parse(`hosts:\n${HOST}run:\n  baseline: { nights: 4, minNights: 6 }\n`), /run\.baseline\.minNights: expected at most baseline\.nights \(4\), got 6/);
    assert.throws(() => parse(`hosts:\n${HOST}run:\n  thresholds: { default: { absolute: 1 } }\n`), /run\.thresholds\.default: expected a percentage \(the default is relative only\)/);
  });

  it('the shipped virtual-lab configs parse (no removed settings left in them)', async () => {
    for (const file of ['scenarios/virtual-lab.yaml', 'scenarios/virtual-lab-e1000.yaml']) {
      const config = parse(labConfigYaml('lab', 2222, '/k', KEY), await fs.readFile(file, 'utf8'));
      assert.deepEqual(config.run.baseline, { nights: 10, minNights: 5 }, file);
    }
  });

  it('history: a .sqlite path or a postgres URL, nothing else', () => {
    assert.equal(parseHistoryLocation('postgres://pb@db.lab:5432/passbench'), 'postgres://pb@db.lab:5432/passbench');
    assert.equal(parseHistoryLocation('reports/h.sqlite'), 'reports/h.sqlite');
    for (const bad of ['h.db', 'postgres://x; rm', '$(id).sqlite']) assert.throws(() => parseHistoryLocation(bad), /expected a SQLite file path/);
  });

  it('iperf3: streams and a UDP rate with an SI suffix; a bad rate is named with what is expected', () => {
    const run = (iperf3: string) => parse(`hosts:\n${HOST}run: { iperf3: ${iperf3} }\n`).run.iperf3;
    assert.deepEqual(run('{ streams: 4, udpBitrate: 9.5G }'), { streams: 4, udpBitrate: 9.5e9, omit: 1 });
    assert.equal(run('{ omit: 0 }').omit, 0);
    assert.throws(() => run('{ omit: 0.5 }'), /run\.iperf3\.omit: expected int, got 0\.5/);
    assert.throws(() => run('{ omit: -1 }'), /run\.iperf3\.omit.*expected 0-60 s/s);
    assert.equal(run('{ udpBitrate: 500K }').udpBitrate, 500e3);
    assert.throws(() => run('{ udpBitrate: 10 Mbit }'), /run\.iperf3\.udpBitrate: expected bit\/s like 100M, 2\.5G or 500K, got "10 Mbit"/);
    assert.throws(() => run('{ udpBitrate: 900G }'), /run\.iperf3\.udpBitrate.*expected 1K-400G/s);
    assert.throws(() => run('{ streams: 0 }'), /run\.iperf3\.streams.*expected 1-128/s);
  });

  it('adds to an address across octets', () => {
    assert.equal(addToAddress('10.0.3.31/24', 2), '10.0.3.33/24');
    assert.equal(addToAddress('10.0.3.255/24', 1), '10.0.4.0/24');
  });
});
