import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { runScenarioCommand } from '../../../harness/cli/commands/run.ts';
import { useHostOpener } from '../../../harness/cli/open-command-host.ts';
import { plainProgress } from '../../../harness/scenario/progress.ts';
import { runCli } from '../../support/capture-cli.ts';
import { LAB, snapshot, useSimLabs } from '../../support/sim-kernel.ts';
import { fakeOps, labYaml, simHost, treeRunner, writeTemp } from './fake-lab.ts';
import { shellWords } from '../../support/shell-words.ts';
import { SimProcesses } from '../../support/sim-processes.ts';

/**
 * The remedies a run prints are pasted as they are: the `passbench restore …` command is taken
 * from the run's own output, split as a shell would, and run through the CLI entry against the
 * simulated kernel the run left changed. The lab config keeps its state in a journalDir of its own.
 */
const STATE = '/srv/passbench-state';
const NIC_ONLY = `    journalDir: ${STATE}\n    devices:\n      - { mode: nic, bdf: "${LAB.nicSpare}", model: e1000 }\n`;

describe('printed remedies work when pasted (run → restore through the CLI)', () => {
  const lab = useSimLabs();

  async function failedRun(simOptions: Parameters<typeof lab>[0]) {
    const l = await simHost(lab, simOptions);
    const root = l.root;
    const before = await snapshot(root);
    const labFile = await writeTemp('lab with spaces.yaml', labYaml({ lab1: NIC_ONLY }));
    const out: string[] = [];
    const fake = fakeOps({ hosts: { lab1: l.sim } });
    const code = await runScenarioCommand('passthrough', { lab: labFile, host: [] }, {
      ops: () => fake.ops, print: (t) => out.push(t), progress: plainProgress((t) => out.push(t)),
    });
    return { ...l, before, labFile, out: out.join('\n'), code };
  }

  async function paste(command: string, l: { reopen: (o?: object) => unknown; root: string }) {
    const words = shellWords(command);
    assert.equal(words[0], 'passbench');
    const restore = useHostOpener(async () => l.reopen({ run: treeRunner(() => l.root) }) as never);
    try {
      return await runCli(...words.slice(1));
    } finally {
      restore();
    }
  }

  it('a run whose restore failed prints a restore command that, pasted, puts the host back', async () => {
    // The device will not leave vfio-pci while the run restores (a guest still held it, say).
    const t = await failedRun({ failures: [{ op: 'unbind', driver: 'vfio-pci', bdf: LAB.nicSpare, code: 'EBUSY' }] });
    assert.equal(t.code, 1, t.out);
    const printed = /CLEANUP FAILED: .*put the host back with `(passbench restore [^`]*)`/.exec(t.out)?.[1];
    assert.ok(printed, t.out);
    assert.deepEqual(shellWords(printed).slice(2), ['--host', 'lab1', '--lab', path.resolve(t.labFile), '--journal', `${STATE}/journal.json`]);
    const r = await paste(printed, t);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /restored {2}0000:00:04\.0 {2}vfio-pci -> e1000/);
    assert.deepEqual(await snapshot(t.root), t.before);
    assert.deepEqual(await fs.readdir(path.join(t.root, STATE)), [], 'journal and lock gone');
  });

  it('a run that died (host writes cut off, its pid gone) printed at the start what puts the host back; it takes over the stale lock', async () => {
    // The bind's three sysfs writes happen; the fourth (the run's own restore) "kills" the process.
    const t = await failedRun({ crashOnWrite: 4 });
    const printed = /if this run dies, put the host back with: (passbench restore .*)$/m.exec(t.out)?.[1];
    assert.ok(printed, t.out);
    assert.ok(await fs.stat(path.join(t.root, STATE, 'journal.json')), 'the dead run left its journal');
    // The run's process is gone: its lock names a pid that no longer runs.
    const child = execa('true');
    const dead = child.pid!;
    await child;
    const owner = path.join(t.root, STATE, 'run.lock', 'owner.json');
    await fs.writeFile(owner, JSON.stringify({ ...JSON.parse(await fs.readFile(owner, 'utf8')), pid: dead, pidStart: undefined }));
    // It was measuring against a port of this host: its one-shot iperf3 server waits for a client; another iperf3 is not its.
    const processes = new SimProcesses(() => t.root);
    await processes.start({ pid: 4101, argv: ['iperf3', '-s', '-1', '-p', '5201', '--forceflush'], startTime: '7' });
    await processes.start({ pid: 4102, argv: ['iperf3', '-s', '-p', '5201'], startTime: '8' });
    const r = await paste(printed, t);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`Took over the stale lock ${STATE}/run\\.lock: its owner run \\S+ \\(passthrough, pid ${dead}`));
    assert.deepEqual([await processes.running(4101), await processes.running(4102)], [false, true], 'the dead run\'s server stopped, no other');
    assert.deepEqual(await snapshot(t.root), t.before);
    assert.deepEqual(await fs.readdir(path.join(t.root, STATE)), []);
  });
});

describe('restore and the host lock, through the CLI', () => {
  const lab = useSimLabs();

  it('restore while a live run holds the lock is refused (exit 3), naming the run; nothing is undone', async () => {
    let root = '';
    const l = await lab({ run: treeRunner(() => root) });
    root = l.root;
    const labFile = await writeTemp('lab.yaml', labYaml({ lab1: NIC_ONLY }));
    await fs.mkdir(path.join(root, STATE, 'run.lock'), { recursive: true });
    const live = { command: 'run', runId: 'R-live', scenario: 'nightly', pid: process.pid, controller: os.hostname(), startedAt: '2026-12-02T20:00:00Z' };
    await fs.writeFile(path.join(root, STATE, 'run.lock', 'owner.json'), JSON.stringify(live));
    await fs.writeFile(path.join(root, STATE, 'journal.json'), JSON.stringify({ version: 1, host: 'lab1', createdAt: '', steps: [
      { id: 1, kind: 'driver', bdf: LAB.nicSpare, before: { driver: 'e1000' }, target: 'vfio-pci', status: 'done' }] }));
    const restore = useHostOpener(async () => l.reopen({ run: treeRunner(() => root) }));
    try {
      const r = await runCli('restore', '--host', 'lab1', '--lab', labFile);
      assert.equal(r.code, 3, r.stdout + r.stderr);
      assert.match(r.stderr, new RegExp(`host lab1 is busy: run R-live \\(nightly, pid ${process.pid} on ${os.hostname()}.*holds ${STATE}/run\\.lock`));
      assert.match(r.stderr, /what to do: Wait for it to end \(or add --wait SECONDS\)/);
    } finally {
      restore();
    }
    assert.ok(await fs.stat(path.join(root, STATE, 'journal.json')), 'journal untouched');
    assert.equal(JSON.parse(await fs.readFile(path.join(root, STATE, 'run.lock', 'owner.json'), 'utf8')).runId, 'R-live');
  });
});
