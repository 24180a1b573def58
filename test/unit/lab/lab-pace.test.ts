import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { labIsEmulated, runPace } from '../../../harness/lab/lab-pace.ts';

describe('lab/lab-pace: the run\'s pace from the virtual lab\'s boot', () => {
  let dir: string;
  before(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-pace-')); });
  after(async () => { await fs.rm(dir, { recursive: true, force: true }); });

  const withState = async (state: unknown) => {
    await fs.writeFile(path.join(dir, 'state.json'), typeof state === 'string' ? state : JSON.stringify(state));
    return path.join(dir, 'lab.yaml');
  };

  it('scales by how slowly the lab host booted under TCG, times the accelerator', async () => {
    const pace = await runPace(await withState({ accel: 'tcg', sshReadyMs: 12_000 }), 'tcg');
    assert.equal(pace.factor, 7.5);
    assert.equal(String(pace), 'pace 7.5 (the lab host\'s boot (SSH after 12 s, 8 s when idle) × tcg 5)');
  });

  it('paces guests nested with KVM inside an emulated lab host as TCG, and calls that lab emulated', async () => {
    const lab = await withState({ accel: 'tcg', guestAccel: 'kvm', sshReadyMs: 12_000 });
    assert.equal((await runPace(lab, 'kvm')).factor, 7.5);
    assert.equal(await labIsEmulated(lab), true);
    assert.equal(await labIsEmulated(await withState({ accel: 'kvm', guestAccel: 'kvm', sshReadyMs: 2_000 })), false);
    assert.equal(await labIsEmulated(undefined), false);
  });

  it('is the accelerator\'s alone without a lab state (a real lab\'s config), a KVM lab, or a state it cannot read', async () => {
    assert.equal(String(await runPace(undefined, 'kvm')), 'pace 1 (kvm, nothing measured yet)');
    assert.equal((await runPace(path.join(dir, 'elsewhere', 'lab.yaml'), 'tcg')).factor, 5);
    assert.equal((await runPace(await withState({ accel: 'kvm', sshReadyMs: 2_000 }), 'kvm')).factor, 1);
    assert.equal((await runPace(await withState('{not json'), 'tcg')).factor, 5);
    assert.equal((await runPace(await withState({ accel: 'tcg', sshReadyMs: -1 }), 'tcg')).factor, 5);
  });
});
