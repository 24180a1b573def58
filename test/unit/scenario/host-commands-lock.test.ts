import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { useHostOpener } from '../../../harness/cli/open-command-host.ts';
import { runCli } from '../../support/capture-cli.ts';
import { LAB, snapshot, useSimLabs } from '../../support/sim-kernel.ts';
import { labYaml, treeRunner, writeTemp } from './fake-lab.ts';

/** bind and sriov take the host-wide lock `run` takes, where `run` keeps it (the lab config's journalDir). */
const STATE = '/srv/pb';

describe('bind and sriov hold the host lock (through the CLI, simulated kernel)', () => {
  const lab = useSimLabs();

  async function setup() {
    let root = '';
    const l = await lab({ run: treeRunner(() => root) });
    root = l.root;
    const labFile = await writeTemp('lab.yaml', labYaml({ lab1: `    journalDir: ${STATE}\n` }));
    const cli = async (...args: string[]) => {
      const restore = useHostOpener(async () => l.reopen({ run: treeRunner(() => root) }));
      try {
        return await runCli(...args, '--host', 'lab1', '--lab', labFile);
      } finally {
        restore();
      }
    };
    const holdLock = async (owner: object) => {
      await fs.mkdir(path.join(root, STATE, 'run.lock'), { recursive: true });
      await fs.writeFile(path.join(root, STATE, 'run.lock', 'owner.json'), JSON.stringify(owner));
    };
    return { ...l, labFile, cli, holdLock };
  }

  const live = { command: 'sriov', pid: process.pid, controller: os.hostname(), startedAt: '2026-12-02T20:00:00Z' };

  for (const args of [['bind', LAB.nicSpare], ['sriov', LAB.pf, '--vfs', '2', '--bind-vfio']]) {
    it(`${args[0]} while another passbench holds the host: exit 3 naming it, nothing changed`, async () => {
      const t = await setup();
      const before = await snapshot(t.root);
      await t.holdLock(live);
      const r = await t.cli(...args);
      assert.equal(r.code, 3, r.stdout + r.stderr);
      assert.match(r.stderr, new RegExp(`host lab1 is busy: passbench sriov \\(pid ${process.pid} on ${os.hostname()}.*holds ${STATE}/run\\.lock`));
      assert.deepEqual(await snapshot(t.root), before);
      assert.equal(t.sim.writes.length, 0);
      assert.deepEqual((await fs.readdir(path.join(t.root, STATE))).sort(), ['run.lock'], 'no journal');
    });
  }

  it('sriov with the host free: journals into the lab\'s journalDir, releases the lock, and its printed undo command restores', async () => {
    const t = await setup();
    const before = await snapshot(t.root);
    const made = await t.cli('sriov', LAB.pf, '--vfs', '2');
    assert.equal(made.code, 0, made.stdout + made.stderr);
    const undo = /Undo with: (passbench restore .*)$/m.exec(made.stdout)?.[1];
    assert.equal(undo, `passbench restore --host lab1 --lab ${path.resolve(t.labFile)} --journal ${STATE}/journal.json`);
    assert.deepEqual(await fs.readdir(path.join(t.root, STATE)), ['journal.json'], 'lock released');
    const restored = await t.cli('restore');
    assert.equal(restored.code, 0, restored.stdout + restored.stderr);
    assert.deepEqual(await snapshot(t.root), before);
  });

  it('a bad --wait is a usage error before the host is opened', async () => {
    const t = await setup();
    const r = await t.cli('bind', LAB.nicSpare, '--wait', 'soon');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--wait "soon" is not a number of seconds/);
  });

  it('a refusal whose remedy says `passbench restore` names this host\'s complete restore command', async () => {
    const t = await setup();
    // VFs on vfio-pci already (a run's, say): changing their count is refused until they are restored.
    assert.equal((await t.cli('sriov', LAB.pf, '--vfs', '2', '--bind-vfio')).code, 0);
    const r = await t.cli('sriov', LAB.pf, '--vfs', '3');
    assert.notEqual(r.code, 0);
    assert.ok(r.stderr.includes(`\`passbench restore --host lab1 --lab ${path.resolve(t.labFile)} --journal ${STATE}/journal.json\``), r.stderr);
    assert.doesNotMatch(r.stderr, /`passbench restore`/);
  });
});
