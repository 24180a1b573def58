import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Iperf3Error, parseIperf3Json, sumIperf3Results } from '../../../harness/measure/iperf3-json.ts';
import { iperf3ClientArgv, multiThreaded, parseIperf3Version } from '../../../harness/measure/iperf3.ts';

/** Fixtures: real `iperf3 -J` output of iperf3 3.12 (Debian bookworm) over 127.0.0.1, captured on the controller. */
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/iperf3/${name}`, import.meta.url), 'utf8');

describe('measure/iperf3-json', () => {
  it('reads TCP goodput at the receiver, retransmits and both ends\' CPU', () => {
    const r = parseIperf3Json(fixture('tcp-forward.json'));
    assert.equal(r.protocol, 'tcp');
    assert.equal(r.reverse, false);
    assert.equal(r.streams, 1);
    assert.equal(r.bitsPerSecond, 24155519401.05104); // end.sum_received.bits_per_second
    assert.equal(r.senderBitsPerSecond, 24156509667.426918);
    assert.equal(r.retransmits, 2);
    assert.equal(r.cpuLocal, 97.9985297682041);
    assert.equal(r.cpuRemote, 43.069736563203634);
    assert.equal(r.jitterS, undefined);
    assert.equal(r.version, 'iperf 3.12');
  });

  it('reads a reverse (-R) TCP test', () => {
    const r = parseIperf3Json(fixture('tcp-reverse.json'));
    assert.equal(r.reverse, true);
    assert.equal(r.bitsPerSecond, 23169757440.549107);
    assert.equal(r.retransmits, 0);
  });

  it('reads UDP jitter (in seconds) and loss from the receiver, both directions', () => {
    const f = parseIperf3Json(fixture('udp-forward.json'));
    assert.equal(f.protocol, 'udp');
    assert.equal(f.bitsPerSecond, 50049284.08922795);
    assert.ok(Math.abs(f.jitterS! - 0.010117994777961013e-3) < 1e-15);
    assert.equal(f.lostPercent, 0);
    assert.equal(f.packets, 191);
    assert.equal(f.retransmits, undefined);
    const r = parseIperf3Json(fixture('udp-reverse.json'));
    assert.equal(r.reverse, true);
    assert.equal(r.bitsPerSecond, 49799192.9323591);
    assert.ok(Math.abs(r.jitterS! - 0.008097316323076637e-3) < 1e-15);
  });

  it('counts UDP loss against what the sender sent: a flooded receiver that saw 1 datagram is not 0 % loss', () => {
    // Nested TCG lab, -R at 100 Mbit/s: the peer sent 76964 datagrams, the guest saw only the first,
    // and iperf3's receiver (which counts gaps below the highest sequence number seen) said 0 % lost.
    const r = parseIperf3Json(fixture('udp-reverse-flooded.json'));
    assert.equal(r.receiverBitsPerSecond, 3535.8813819240277);
    assert.equal(r.packets, 76964);
    assert.equal(r.lostPackets, 76963);
    assert.ok(r.lostPercent! > 99.99, String(r.lostPercent));
  });

  it('turns iperf3\'s "error" field (exit code 0!) into an Iperf3Error with its text', () => {
    assert.throws(() => parseIperf3Json(fixture('error-refused.json')), (e: unknown) =>
      e instanceof Iperf3Error && /unable to connect to server: Connection refused/.test(e.message));
  });

  it('names a missing key and rejects non-JSON', () => {
    const json = JSON.parse(fixture('tcp-forward.json')) as { end: Record<string, unknown> };
    delete json.end.cpu_utilization_percent;
    assert.throws(() => parseIperf3Json(JSON.stringify(json)), /no end\.cpu_utilization_percent/);
    assert.throws(() => parseIperf3Json('iperf3: error - unable to connect'), /not JSON/);
  });

  it('sums side-by-side processes: rates, CPU, retransmits; UDP loss and jitter weighted by packets', () => {
    const t = parseIperf3Json(fixture('tcp-forward.json'));
    const sum = sumIperf3Results([t, { ...t, bitsPerSecond: 1, retransmits: 3, cpuLocal: 2 }]);
    assert.equal(sum.bitsPerSecond, t.bitsPerSecond + 1);
    assert.equal(sum.retransmits, 5);
    assert.equal(sum.cpuLocal, t.cpuLocal + 2);
    assert.equal(sum.streams, 2);
    const u = parseIperf3Json(fixture('udp-forward.json'));
    const lossy = { ...u, packets: 100, lostPackets: 10, lostPercent: 10, jitterS: 0.004 };
    const usum = sumIperf3Results([{ ...u, packets: 300, lostPackets: 0, jitterS: 0.002 }, lossy]);
    assert.equal(usum.lostPercent, 2.5);
    assert.equal(usum.jitterS, (0.002 * 300 + 0.004 * 100) / 400);
    assert.throws(() => sumIperf3Results([]), RangeError);
  });

  it('parses versions and uses -P only from 3.16', () => {
    const v = parseIperf3Version('iperf 3.12 (cJSON 1.7.15)\nLinux …');
    assert.deepEqual([v.major, v.minor], [3, 12]);
    assert.equal(multiThreaded(v), false);
    assert.equal(multiThreaded(parseIperf3Version('iperf 3.16')), true);
    assert.throws(() => parseIperf3Version('bash: iperf3: not found'), /no iperf3 version/);
    assert.deepEqual(iperf3ClientArgv('10.0.3.10', 5202, { protocol: 'udp', reverse: true, durationS: 5, omitS: 0 }, 1, 5e8),
      ['iperf3', '-c', '10.0.3.10', '-p', '5202', '-J', '-t', '5', '-O', '0', '--connect-timeout', '5000', '-u', '-b', '500000000', '-R']);
    assert.deepEqual(iperf3ClientArgv('a', 1, { protocol: 'tcp' }, 4).slice(-2), ['-P', '4']);
  });
});
