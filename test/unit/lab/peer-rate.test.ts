import assert from 'node:assert/strict';
import type { RunResult } from '../../../harness/host/host.ts';
import { limitPeerRate } from '../../../harness/lab/lab-network.ts';

/** A lab host that answers the PCI listing findLabNics asks for and records every other command. */
function fakeLab() {
  const commands: string[][] = [];
  const listing = [
    '0000:00:01.0 0x8086:0x10c9 eth1',
    '0000:00:04.0 0x8086:0x10c9 eth2',
    '0000:00:02.0 0x8086:0x100e eth0',
    '0000:00:05.0 0x8086:0x10d3 eth3',
  ].join('\n');
  const run = async (argv: readonly string[]): Promise<RunResult> => {
    if (argv[0] === 'sh') return { argv: [...argv], exitCode: 0, stdout: `${listing}\n`, stderr: '', durationMs: 1 };
    commands.push([...argv]);
    return { argv: [...argv], exitCode: 0, stdout: '', stderr: '', durationMs: 1 };
  };
  return { lab: { name: 'lab', run }, commands };
}

describe('lab peer rate (lab up --peer-rate)', () => {
  it('puts a token bucket at the rate on the e1000e peer port, not on an igb port', async () => {
    const { lab, commands } = fakeLab();
    await limitPeerRate(lab, 8.5);
    assert.deepEqual(commands, [['/usr/sbin/tc', 'qdisc', 'replace', 'dev', 'eth3', 'root', 'tbf', 'rate', '8500kbit', 'burst', '16384', 'latency', '100ms']]);
  });

  it('lets the bucket hold 10 ms of traffic at high rates (a timer tick\'s worth and more)', async () => {
    const { lab, commands } = fakeLab();
    await limitPeerRate(lab, 1000);
    assert.deepEqual(commands[0]?.slice(8, 11), ['1000000kbit', 'burst', '1250000']);
  });

  it('lifts the cap when no rate is given', async () => {
    const { lab, commands } = fakeLab();
    await limitPeerRate(lab, undefined);
    assert.deepEqual(commands, [['/usr/sbin/tc', 'qdisc', 'del', 'dev', 'eth3', 'root']]);
  });

  it('refuses a rate of 0 or past 10 Gbit/s, naming it, before touching the host', async () => {
    for (const bad of [0, -1, 20_000, Number.NaN]) {
      const { lab, commands } = fakeLab();
      await assert.rejects(limitPeerRate(lab, bad), new RegExp(`peer rate ${bad} Mbit/s`));
      assert.deepEqual(commands, []);
    }
  });
});
