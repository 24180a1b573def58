import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { runScenarioCommand } from '../../../harness/cli/commands/run.ts';
import { useHostOpener } from '../../../harness/cli/open-command-host.ts';
import { plainProgress } from '../../../harness/scenario/progress.ts';
import { runCli } from '../../support/capture-cli.ts';
import { LAB, snapshot, useSimLabs } from '../../support/sim-kernel.ts';
import { fakeOps, labYaml, simHost, treeRunner, writeTemp } from './fake-lab.ts';

const NIC_ONLY = `    devices:\n      - { mode: nic, bdf: "${LAB.nicSpare}", model: e1000 }\n`;
const JOURNAL = 'var/lib/passbench/journal.json';
// What a host crash in the middle of a write can leave: the first bytes of the journal.
const TRUNCATED = '{\n  "version": 1,\n  "host": "lab1",\n  "steps": [\n    { "id": 1, "kind": "driver", "bdf": "0000:00:';

describe('a journal that cannot be read (truncated by a crash) never blocks run or restore for good', () => {
  const lab = useSimLabs();

  async function setup() {
    const l = await simHost(lab);
    await fs.mkdir(path.dirname(path.join(l.root, JOURNAL)), { recursive: true });
    await fs.writeFile(path.join(l.root, JOURNAL), TRUNCATED);
    const labFile = await writeTemp('lab.yaml', labYaml({ lab1: NIC_ONLY }));
    const cli = async (...args: string[]) => {
      const restore = useHostOpener(async () => l.reopen({ run: treeRunner(() => l.root) }));
      try {
        return await runCli(...args);
      } finally {
        restore();
      }
    };
    const run = async () => {
      const out: string[] = [];
      const code = await runScenarioCommand('passthrough', { lab: labFile, host: [] },
        { ops: () => fakeOps({ hosts: { lab1: l.sim } }).ops, print: (t) => out.push(t), progress: plainProgress(() => undefined) });
      return { code, out: out.join('\n') };
    };
    return { ...l, labFile, cli, run };
  }

  it('run refuses the host (nothing changed) and names the complete commands to look at it and move it aside', async () => {
    const t = await setup();
    const before = await snapshot(t.root);
    const { code, out } = await t.run();
    assert.equal(code, 3, out);
    assert.match(out, /journal \/var\/lib\/passbench\/journal\.json on sim-kernel is not valid JSON .*truncated by a crash\?/);
    const lab = path.resolve(t.labFile);
    assert.ok(out.includes(`\`passbench restore --host lab1 --lab ${lab} --show-journal\``), out);
    assert.ok(out.includes(`\`passbench restore --host lab1 --lab ${lab} --discard-journal\``), out);
    assert.deepEqual(await snapshot(t.root), before);
  });

  it('restore shows what it holds and the way out; --discard-journal moves it aside; then run goes ahead', async () => {
    const t = await setup();
    const lab = path.resolve(t.labFile);
    const failed = await t.cli('restore', '--host', 'lab1', '--lab', lab);
    assert.equal(failed.code, 1);
    assert.ok(failed.stdout.includes(TRUNCATED), 'its content is shown');
    assert.match(failed.stderr, /what to do: .*`passbench restore --host lab1 --lab \S+ --discard-journal`/);
    const shown = await t.cli('restore', '--host', 'lab1', '--lab', lab, '--show-journal');
    assert.equal(shown.code, 0);
    assert.ok(shown.stdout.includes(TRUNCATED));
    const discarded = await t.cli('restore', '--host', 'lab1', '--lab', lab, '--discard-journal');
    assert.equal(discarded.code, 0, discarded.stderr);
    assert.match(discarded.stdout, /Moved aside to \/var\/lib\/passbench\/journal\.json\.discarded-\S+; nothing was undone/);
    const kept = (await fs.readdir(path.join(t.root, 'var/lib/passbench'))).filter((f) => f.startsWith('journal.json.discarded-'));
    assert.equal(await fs.readFile(path.join(t.root, 'var/lib/passbench', kept[0]!), 'utf8'), TRUNCATED, 'kept for a person to read');
    assert.match((await t.cli('restore', '--host', 'lab1', '--lab', lab)).stdout, /No journal at .*nothing to restore/);
    const { code, out } = await t.run();
    assert.equal(code, 0, out);
  });
});
