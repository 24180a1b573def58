import assert from 'node:assert/strict';
import type { Host, RunResult } from '../../../harness/host/host.ts';
import { PassbenchError } from '../../../harness/errors.ts';
import { checkPeer, checkReachable, PeerUnreachableError } from '../../../harness/measure/peer-check.ts';
import { Pace } from '../../../harness/wait/index.ts';

/** `ip -4 -o addr show` as iproute2 prints it (a traffic host with a test port and a management port). */
const IP_ADDR = `1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
2: eth0    inet 10.0.3.11/24 scope global eth0\\       valid_lft forever preferred_lft forever
3: eth1    inet 10.0.2.15/24 scope global eth1\\       valid_lft forever preferred_lft forever
`;

function peer(answers: Record<string, Partial<RunResult>>): Host {
  return {
    name: 'gen',
    run: async (argv: readonly string[]) => {
      const a = answers[argv.join(' ')];
      if (!a) throw new Error(`unexpected ${argv.join(' ')}`);
      return { argv, exitCode: 0, stdout: '', stderr: '', durationMs: 1, ...a };
    },
  } as unknown as Host;
}

describe('measure/peer-check: a peer runs iperf3 and owns the peer address', () => {
  it('names the interface that carries the address and the iperf3 version', async () => {
    const facts = await checkPeer(peer({ 'iperf3 --version': { stdout: 'iperf 3.12 (cJSON 1.7.15)\nLinux gen 6.12\n' }, 'ip -4 -o addr show': { stdout: IP_ADDR } }), 'gen', '10.0.3.11');
    assert.deepEqual(facts, { iperf3: 'iperf 3.12', iface: 'eth0' });
  });

  it('an address the peer lacks: names the addresses it has, not loopback, and what to do', async () => {
    await assert.rejects(checkPeer(peer({ 'iperf3 --version': { stdout: 'iperf 3.12\n' }, 'ip -4 -o addr show': { stdout: IP_ADDR } }), 'gen', '10.0.3.1'), (e: unknown) => {
      assert.ok(e instanceof PassbenchError);
      assert.equal(e.message, 'peer gen does not have the peer address 10.0.3.1 (it has 10.0.3.11/24, 10.0.2.15/24)');
      assert.match(e.remedy ?? '', /peer: \{ host: gen, address: … \}.*ip addr add 10\.0\.3\.1\/24 dev IFACE/);
      return true;
    });
  });

  it('no iperf3 on the peer: says to install it', async () => {
    await assert.rejects(checkPeer(peer({ 'iperf3 --version': { exitCode: 127, stderr: 'sh: iperf3: not found' }, 'ip -4 -o addr show': { stdout: IP_ADDR } }), 'gen', '10.0.3.11'),
      (e: unknown) => e instanceof PassbenchError && /no iperf3 version .* on gen/.test(e.message) && /Install iperf3 on gen/.test(e.remedy ?? ''));
  });
});

describe('measure/peer-check: a guest reaches its peer before it measures', () => {
  const o = { guest: 'vf0', guestAddress: '10.0.3.31', peerAddress: '10.0.3.11', pace: Pace.neutral() };
  const ping = 'ping -c 3 -i 0.2 -W 2 10.0.3.11'; // 0.2 s apart: ping's default second made this check 2 s of each case

  it('busybox ping with replies: how many and the median round trip', async () => {
    const out = 'PING 10.0.3.11 (10.0.3.11): 56 data bytes\n64 bytes from 10.0.3.11: seq=0 ttl=64 time=3.100 ms\n64 bytes from 10.0.3.11: seq=1 ttl=64 time=0.900 ms\n'
      + '64 bytes from 10.0.3.11: seq=2 ttl=64 time=1.200 ms\n\n--- 10.0.3.11 ping statistics ---\n3 packets transmitted, 3 packets received, 0% packet loss\n';
    assert.deepEqual(await checkReachable(peer({ [ping]: { stdout: out } }), o), { replies: 3, rttMs: 1.2 });
  });

  it('no reply or no summary: PeerUnreachableError naming both ends and what to check; a guest without ping says so', async () => {
    const silent = 'PING 10.0.3.11 (10.0.3.11): 56 data bytes\n\n--- 10.0.3.11 ping statistics ---\n3 packets transmitted, 0 packets received, 100% packet loss\n';
    await assert.rejects(checkReachable(peer({ [ping]: { stdout: silent, exitCode: 1 } }), o), (e: unknown) => e instanceof PeerUnreachableError
      && e.message === 'guest vf0 (10.0.3.31) cannot reach the peer 10.0.3.11 on the test network: 3 pings, no reply' && /cabling or switch port/.test(e.remedy ?? ''));
    await assert.rejects(checkReachable(peer({ [ping]: { stdout: 'garbled' } }), o),
      (e: unknown) => e instanceof PeerUnreachableError && /cannot reach the peer 10\.0\.3\.11 on the test network: ping printed no "packets transmitted" summary/.test(e.message));
    await assert.rejects(checkReachable(peer({ [ping]: { stdout: '', stderr: 'sh: ping: not found', exitCode: 127 } }), o),
      (e: unknown) => !(e instanceof PeerUnreachableError) && e instanceof PassbenchError && e.message === 'guest vf0 has no ping (sh: ping: not found)');
  });
});
