import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePingOutput } from '../../../harness/measure/ping-output.ts';

/** Real output captured on the controller: busybox 1.35 ping and iputils 20221126 ping (Debian 12). */
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ping/${name}`, import.meta.url), 'utf8');

describe('measure/ping-output', () => {
  it('reads every reply of busybox ping (seq=, "packets received"), in seconds', () => {
    const r = parsePingOutput(fixture('busybox-5.txt'));
    assert.deepEqual(r.rttS.map((s) => Math.round(s * 1e6)), [553, 115, 69, 61, 61]);
    assert.deepEqual([r.transmitted, r.received, r.lossPercent], [5, 5, 0]);
  });

  it('reads iputils ping (icmp_seq=, "received")', () => {
    const r = parsePingOutput(fixture('iputils-5.txt'));
    assert.deepEqual(r.rttS.map((s) => Math.round(s * 1e6)), [23, 31, 41, 44, 39]);
    assert.deepEqual([r.transmitted, r.received], [5, 5]);
  });

  it('reports loss from the summary of both pings', () => {
    for (const name of ['busybox-loss.txt', 'iputils-loss.txt']) {
      const r = parsePingOutput(fixture(name));
      assert.deepEqual([r.rttS.length, r.transmitted, r.received, r.lossPercent], [0, 4, 0, 100], name);
    }
    const partial = fixture('iputils-5.txt').replace(/^.*icmp_seq=3.*\n/m, '').replace('5 received, 0%', '4 received, 20%');
    const r = parsePingOutput(partial);
    assert.equal(r.rttS.length, 4);
    assert.equal(r.lossPercent, 20);
  });

  it('refuses output without a summary (ping missing or killed)', () => {
    assert.throws(() => parsePingOutput('sh: ping: not found\n'), /no "packets transmitted" summary.*not found/);
  });
});
