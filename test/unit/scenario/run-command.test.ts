import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { runScenarioCommand } from '../../../harness/cli/commands/run.ts';
import { estimateRemaining, formatEta, plainProgress } from '../../../harness/scenario/progress.ts';
import { snapshot, useSimLabs } from '../../support/sim-kernel.ts';
import { ALL_DEVICES, fakeOps, labYaml, simHost, writeTemp } from './fake-lab.ts';

describe('passbench run (command, fake ops on a simulated host)', () => {
  const lab = useSimLabs();

  it('--dry-run prints the plan and contacts no host', async () => {
    const l = await simHost(lab);
    const fake = fakeOps({ hosts: { lab1: l.sim } });
    const out: string[] = [];
    const code = await runScenarioCommand('nightly', { lab: await writeTemp('lab.yaml', labYaml({ lab1: ALL_DEVICES })), host: [], dryRun: true },
      { ops: () => fake.ops, print: (t) => out.push(t) });
    assert.equal(code, 0);
    assert.match(out.join('\n'), /case lab1\/vf-0000:00:02\.0: 2 VF\(s\) of 0000:00:02\.0, expect 8086:10ca on igbvf[\s\S]*guests: vf0 10\.0\.3\.31\/24, vf1 10\.0\.3\.32\/24/);
    assert.match(out.join('\n'), /no host was contacted/);
    assert.deepEqual(fake.events, []);
  });

  it('SIGTERM mid-run: cleanup runs, the host is restored, exit 1, handlers removed', async () => {
    const l = await simHost(lab);
    const before = await snapshot(l.root);
    const signals = new EventEmitter();
    const fake = fakeOps({ hosts: { lab1: l.sim }, hook: (op, _h, guest) => { if (op === 'measure' && guest === 'vf1') signals.emit('SIGTERM', 'SIGTERM'); } });
    const out: string[] = [];
    const code = await runScenarioCommand('nightly', { lab: await writeTemp('lab.yaml', labYaml({ lab1: ALL_DEVICES })), host: [] }, {
      ops: () => fake.ops, print: (t) => out.push(t), progress: plainProgress(() => undefined),
      signals: signals as unknown as Pick<NodeJS.Process, 'on' | 'off'>,
    });
    assert.equal(code, 1);
    assert.match(out.join('\n'), /run .*: ABORTED[\s\S]*aborted +lab1\/vf-0000:00:02\.0/);
    assert.deepEqual(await snapshot(l.root), before);
    assert.equal(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT'), 0);
  });

  it('--json: the outcome with the exit code the CLI chose, last, as before the runner stopped knowing codes', async () => {
    const l = await simHost(lab);
    const fake = fakeOps({ hosts: { lab1: l.sim } });
    const labFile = await writeTemp('lab.yaml', labYaml({ lab1: ALL_DEVICES }));
    const printed: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => { printed.push(chunk); return true; }) as typeof process.stdout.write;
    let code: number;
    try {
      code = await runScenarioCommand('smoke', { lab: labFile, host: [], json: true }, { ops: () => fake.ops, progress: plainProgress(() => undefined) });
    } finally {
      process.stdout.write = write;
    }
    assert.equal(code, 0);
    const shown = JSON.parse(printed.join('')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(shown), ['runId', 'runDir', 'status', 'verdicts', 'regressions', 'reports', 'exitCode']);
    assert.equal(shown.exitCode, 0);
    // The run's metadata names the passbench that made it (it said "dev" for every run before).
    assert.match(fake.writers[0]!.meta.harnessVersion, /^\d+\.\d+\.\d+(\+[0-9a-f]{7,}(\.dirty)?)?$/);
  });

  it('estimates what is left from the steps\' expected times, at the pace of those finished', () => {
    assert.equal(estimateRemaining(0, 0, 100), 100_000);
    // 20 min of work that was expected to take 10: the rest will be about twice as slow too.
    assert.equal(Math.round(estimateRemaining(1_200_000, 600, 300)), Math.round(((1200 + 60) / (600 + 60)) * 300_000));
    assert.ok(estimateRemaining(300_000, 600, 300) < 200_000);
    // A first step that took 0.1 s of an expected 1 s does not shrink a 17-minute estimate to 2.
    assert.ok(estimateRemaining(100, 1, 1000) > 900_000);
    assert.deepEqual([formatEta(undefined), formatEta(42_000), formatEta(140_000), formatEta(2 * 3600_000 + 60_000)], ['unknown', '42s', '2m20s', '2h01m']);
  });
});
