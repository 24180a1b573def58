import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseScenarioConfig } from '../../../harness/config/scenario-config.ts';
import { expandPlan, formatPlan } from '../../../harness/scenario/plan.ts';
import { plainProgress } from '../../../harness/scenario/progress.ts';
import { runPlan } from '../../../harness/scenario/runner.ts';
import nightly from '../../../scenarios/nightly.ts';
import { UsageError } from '../../../harness/errors.ts';
import { snapshot, useSimLabs } from '../../support/sim-kernel.ts';
import { SimProcesses } from '../../support/sim-processes.ts';
import { ALL_DEVICES, fakeOps, labYaml, simHost, type FakeOpsOptions } from './fake-lab.ts';
import { tempDir } from '../../support/temp-dirs.ts';

/** A host under test (lab1) measuring against a traffic peer (gen, role: peer) that is no host of the run. */
const PEER_RUN = (resultsDir: string) => `guest: { iso: /images/guest.iso }\n  peer: { host: gen, address: 10.0.3.11 }\n  resultsDir: ${resultsDir}`;

describe('scenario: a traffic peer of its own (role: peer; issue 13, point 1)', () => {
  const lab = useSimLabs();

  async function setup(o: Omit<FakeOpsOptions, 'hosts'> = {}) {
    const lab1 = await simHost(lab);
    let genRoot = '';
    const genProcesses = new SimProcesses(() => genRoot);
    const gen = await lab({ run: genProcesses.runner() });
    genRoot = gen.root;
    const resultsDir = await tempDir('passbench-peer-');
    const config = parseScenarioConfig({ text: labYaml({ lab1: ALL_DEVICES, gen: '    role: peer\n' }, PEER_RUN(resultsDir)), source: 'lab.yaml', baseDir: '/tmp' });
    const fake = fakeOps({ ...o, hosts: { lab1: lab1.sim, gen: gen.sim } });
    const lines: string[] = [];
    const before = { lab1: await snapshot(lab1.root), gen: await snapshot(gen.root) };
    const run = (extra: { isAlive?: () => boolean } = {}) => runPlan({
      plan: expandPlan(nightly, config), settings: config.run, ops: fake.ops, scenarioFile: 'scenarios/nightly.ts', scenarioHash: 'a'.repeat(64),
      runId: '20261203T203000Z-peer', progress: plainProgress((t) => lines.push(t)), controller: 'ctl', pid: 4242, graceMs: 50, ...extra,
    });
    const trafficLock = path.join(gen.root, 'var/lib/passbench/traffic.lock');
    return { config, fake, run, lines, gen, genProcesses, lab1, before, trafficLock };
  }

  it('is not a host under test: left out of the run, refused as --host, and may not carry devices', async () => {
    const t = await setup();
    const plan = expandPlan(nightly, t.config);
    assert.deepEqual(plan.hosts.map((h) => h.name), ['lab1']);
    assert.deepEqual(Object.keys(plan.peers), ['gen']);
    assert.match(formatPlan(plan), /peer: 10\.0\.3\.11 on gen \(a traffic peer, not changed\)/);
    assert.throws(() => expandPlan(nightly, t.config, ['gen']), (e: unknown) => e instanceof UsageError
      && /--host gen: a traffic peer \(role: peer in lab\.yaml\) is never a host under test/.test(e.message) && /Name a host under test \(lab1\)/.test(e.remedy ?? ''));
    assert.throws(() => parseScenarioConfig({ text: labYaml({ lab1: ALL_DEVICES, gen: `    role: peer\n${ALL_DEVICES}` }, PEER_RUN('/tmp/x')), source: 'lab.yaml', baseDir: '/tmp' }),
      /hosts\.gen is a traffic peer \(role: peer\), so it has no devices: nothing is tested on it/);
  });

  it('is reached, checked and locked only while a case measures; nothing else on it changes', async () => {
    let lockedDuringMeasure = 0;
    const t = await setup({
      hook: async (op) => {
        if (op !== 'measure') return;
        const owner = JSON.parse(await fs.readFile(path.join(t.trafficLock, 'owner.json'), 'utf8')) as { runId: string };
        assert.equal(owner.runId, '20261203T203000Z-peer');
        lockedDuringMeasure++;
      },
    });
    const outcome = await t.run();
    assert.equal(outcome.conclusion, 'passed', JSON.stringify(outcome.verdicts));
    assert.equal(lockedDuringMeasure, 8, 'every measurement ran with the traffic lock held'); // 4 guests × 2 samples
    assert.ok(!(await fs.stat(t.trafficLock).catch(() => undefined)), 'traffic lock released');
    assert.deepEqual(await snapshot(t.gen.root), t.before.gen, 'the peer is as it was');
    // Connected once, checked once, never doctored or bound.
    assert.deepEqual(t.fake.events.filter((e) => /^(connect|check peer)/.test(e)), ['connect lab1', 'connect gen', 'check peer gen 10.0.3.11']);
    const peerChecks = t.fake.writers[0]!.checks.filter((c) => c.name === 'peer');
    assert.deepEqual(peerChecks.map((c) => c.status), ['pass', 'pass', 'pass']);
    assert.match(peerChecks[0]!.message!, /10\.0\.3\.11 on gen eth9, a traffic peer \(its traffic lock is held while the case measures\); iperf 3\.12/);
  });

  it('a peer that fails its check fails the measuring cases with what is missing, and the host is still restored', async () => {
    const t = await setup({ hook: (op) => { if (op === 'checkPeer') throw new Error('peer gen does not have the peer address 10.0.3.11 (it has 10.0.3.12/24)'); } });
    const outcome = await t.run();
    assert.equal(outcome.conclusion, 'failed');
    for (const c of outcome.verdicts[0]!.cases) assert.match(c.error ?? '', /measure: peer gen does not have the peer address 10\.0\.3\.11/);
    assert.deepEqual(await snapshot(t.lab1.root), t.before.lab1);
  });

  it("takes over the traffic lock of a run that is gone, and stops the iperf3 servers it left", async () => {
    const t = await setup();
    await fs.mkdir(t.trafficLock, { recursive: true });
    await fs.writeFile(path.join(t.trafficLock, 'owner.json'), JSON.stringify({ runId: 'R-dead', pid: 999999, controller: 'ctl', scenario: 'nightly', startedAt: '2026-12-02T02:00:00Z' }));
    await t.genProcesses.start({ pid: 3100, argv: ['iperf3', '-s', '-1', '-p', '5201', '--forceflush'], startTime: '77' });
    await t.genProcesses.start({ pid: 3101, argv: ['iperf3', '-s', '-p', '5201'], startTime: '78' }); // not passbench's: left alone
    const outcome = await t.run({ isAlive: () => false });
    assert.equal(outcome.conclusion, 'passed', JSON.stringify(outcome.verdicts));
    assert.deepEqual(t.genProcesses.signals, ['TERM 3100']);
    assert.ok(await t.genProcesses.running(3101));
    assert.match(t.lines.join(''), /took over the traffic lock of gen from a run that is gone; stopping the iperf3 servers it left/);
  });
});
