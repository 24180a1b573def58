import assert from 'node:assert/strict';
import { configHash } from '../../../harness/config/config-hash.ts';
import { parseScenarioConfig } from '../../../harness/config/scenario-config.ts';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl lab1';

/** A lab config as `lab up` writes one: its port and host key change with every boot. */
function labConfig(port: number, hostKey: string, repetitions = 3): string {
  return `hosts:
  lab1:
    address: 127.0.0.1
    port: ${port}
    user: root
    identityFile: /tmp/id_ed25519
    hostKey: "${hostKey}"
    devices:
      - { mode: vf, pf: "0000:00:01.0", count: 1, model: igb }
run:
  guest: { iso: /images/guest.iso }
  peer: { address: 10.0.3.10 }
  repetitions: { min: ${repetitions}, max: ${repetitions} }
`;
}

describe('config/configHash: what the run was told to measure, not how it reached the hosts', () => {
  const hashOf = (text: string, scenario = 'a'.repeat(64)) => configHash(scenario, parseScenarioConfig({ text, source: `/tmp/lab-${text.length}.yaml` }));

  it('is the same for another lab up (port, host key) and another file path', () => {
    assert.equal(hashOf(labConfig(40413, KEY)), hashOf(labConfig(34467, KEY.replace('Jl lab1', 'Jm lab1'))));
  });

  it('changes with the selection (repetitions here) and with the scenario', () => {
    assert.notEqual(hashOf(labConfig(40413, KEY)), hashOf(labConfig(40413, KEY, 5)));
    assert.notEqual(hashOf(labConfig(40413, KEY)), hashOf(labConfig(40413, KEY), 'b'.repeat(64)));
  });
});
