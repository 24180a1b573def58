import assert from 'node:assert/strict';
import { parseScenarioConfig } from '../../../harness/config/scenario-config.ts';
import { UsageError } from '../../../harness/errors.ts';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl lab1';
const lab = (device: string) => parseScenarioConfig({
  text: `hosts:\n  lab1:\n    address: 10.0.0.5\n    identityFile: /k\n    hostKey: ${KEY}\n    devices:\n      - ${device}\n`, source: 'lab.yaml', baseDir: '/etc/pb',
});

/** A nic entry's `with:` (bind's --with, issue 11 gap 1): the consent that reaches run's validation and bind step. */
describe('config: a nic entry\'s with: list', () => {
  it('carries the group members the entry agrees to take', () => {
    assert.deepEqual(lab('{ mode: nic, bdf: "0000:00:04.0", model: e1000, with: ["0000:00:05.0"] }').hosts.lab1!.devices[0]?.with, ['0000:00:05.0']);
    assert.equal(lab('{ mode: nic, bdf: "0000:00:04.0", model: e1000 }').hosts.lab1!.devices[0]?.with, undefined);
  });

  it('refuses an address that is not DDDD:BB:DD.F, naming the field', () => {
    assert.throws(() => lab('{ mode: nic, bdf: "0000:00:04.0", model: e1000, with: ["00:05.0"] }'), (e: unknown) =>
      e instanceof UsageError && /with/.test(e.message) && /DDDD:BB:DD\.F/.test(e.message));
  });
});
