import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { parseScenarioConfig } from '../../../harness/config/scenario-config.ts';
import { labConfigYaml } from '../../../harness/lab/lab-config-yaml.ts';
import { selectHosts } from '../../../harness/scenario/plan.ts';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl lab1';
const IMAGES = { iso: '/images/g-ab.iso', kernel: '/images/g-ab.vmlinuz', vmlinux: '/images/g-ab.vmlinux', initrd: '/images/g-ab.initrd' };

describe('lab/labConfigYaml', () => {
  it('puts the guest image (vmlinux + initrd, PVH) and the accelerator into run:, the ISO as a comment', () => {
    const text = labConfigYaml('nightly', 2222, '/k', KEY, { accel: 'tcg', guest: IMAGES });
    const config = parseScenarioConfig({ text, source: 'lab.yaml' }, { text: 'run:\n  tests: [tcp]\n', source: 'sel.yaml' });
    assert.deepEqual(config.hosts.nightly?.guest && { kernel: config.hosts.nightly.guest.kernel, initrd: config.hosts.nightly.guest.initrd },
      { kernel: '/images/g-ab.vmlinux', initrd: '/images/g-ab.initrd' });
    assert.equal(config.run.accel, 'tcg');
    assert.deepEqual(config.run.tests, ['tcp']);
    assert.match(text, /# .*guest: \{ iso: \/images\/g-ab\.iso \}/);
  });

  it('falls back to the bzImage when the build has no vmlinux', () => {
    const text = labConfigYaml('lab', 2222, '/k', KEY, { accel: 'kvm', guest: { ...IMAGES, vmlinux: undefined } });
    assert.equal(parseScenarioConfig({ text, source: 'lab.yaml' }).run.guest?.kernel, '/images/g-ab.vmlinuz');
  });

  it('names the traffic host a peer (role: peer, its key pinned) and makes it the run\'s peer, which the virtual-lab selection keeps', async () => {
    const TRAFFIC_KEY = KEY.replace('lab1', 'traffic');
    const text = labConfigYaml('nightly', 2222, '/k', KEY, { accel: 'tcg', guest: IMAGES }, { port: 3333, identityFile: '/t', hostKey: TRAFFIC_KEY });
    const selection = await fs.readFile(new URL('../../../scenarios/virtual-lab.yaml', import.meta.url), 'utf8');
    const config = parseScenarioConfig({ text, source: 'lab.yaml' }, { text: selection, source: 'virtual-lab.yaml' });
    assert.deepEqual(config.hosts['nightly-traffic']?.connection, { address: '127.0.0.1', port: 3333, user: 'root', identityFile: '/t', hostKey: TRAFFIC_KEY, knownHostsFile: undefined, role: 'peer' });
    assert.deepEqual(config.hosts['nightly-traffic']?.devices, [], 'run.devices are not the traffic host\'s');
    assert.deepEqual(config.hosts.nightly?.peer, { host: 'nightly-traffic', address: '10.0.3.11' });
    assert.deepEqual(selectHosts(config, []).map((h) => h.name), ['nightly']);
  });
});
