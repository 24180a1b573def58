import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseScenarioConfig } from '../../../harness/config/scenario-config.ts';
import { expandPlan } from '../../../harness/scenario/plan.ts';
import { boundEstimate, estimateRemaining, plainProgress, SteadyEstimate } from '../../../harness/scenario/progress.ts';
import { runPlan } from '../../../harness/scenario/runner.ts';
import { expectedStepS } from '../../../harness/scenario/host-run.ts';
import { labConfigYaml } from '../../../harness/lab/lab-config-yaml.ts';
import nightly from '../../../scenarios/nightly.ts';
import { useSimLabs } from '../../support/sim-kernel.ts';
import { ALL_DEVICES, fakeOps, labYaml, simHost } from './fake-lab.ts';

const LAB_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl nightly';

interface Shown { atMs: number; etaMs: number; measuredMs: number; trueMs: number }

/**
 * The ETA a host shows at the start of each step, as HostRun computes it: the measured estimate
 * (pace of the finished steps) through SteadyEstimate. `expectedS` are the steps' own estimates,
 * `tookS` how long each really took.
 */
function showEtas(expectedS: readonly number[], tookS: readonly number[]): Shown[] {
  const steady = new SteadyEstimate();
  const totalExpectedS = expectedS.reduce((a, b) => a + b, 0);
  const shown: Shown[] = [];
  let nowMs = 0;
  let doneExpectedS = 0;
  expectedS.forEach((expected, i) => {
    const measuredMs = estimateRemaining(nowMs, doneExpectedS, totalExpectedS - doneExpectedS);
    const trueMs = tookS.slice(i).reduce((a, b) => a + b, 0) * 1000;
    shown.push({ atMs: nowMs, etaMs: steady.next(measuredMs, nowMs), measuredMs, trueMs });
    nowMs += tookS[i]! * 1000;
    doneExpectedS += expected;
  });
  return shown;
}

/** Each ETA within 2× of what the one before leaves for its moment (never less than half of it). */
function assertWithinTwice(shown: readonly Pick<Shown, 'atMs' | 'etaMs'>[], slackMs = 0): void {
  for (let i = 1; i < shown.length; i++) {
    const before = shown[i - 1]!;
    const now = shown[i]!;
    const expectedNowMs = Math.max(before.etaMs - (now.atMs - before.atMs), before.etaMs / 2);
    assert.ok(now.etaMs <= 2 * expectedNowMs + slackMs && now.etaMs >= expectedNowMs / 2 - slackMs,
      `step ${i}: ETA ${now.etaMs / 1000} s after ${before.etaMs / 1000} s ${(now.atMs - before.atMs) / 1000} s earlier`);
    assert.ok(now.etaMs <= 2 * before.etaMs + slackMs, `step ${i}: ETA more than doubled`);
  }
}

describe('scenario/progress: a steady ETA from the measured pace', () => {
  it('one very slow step moves the ETA at most 2× (the measured estimate alone jumps ~6×, then falls back)', () => {
    // 15 one-minute steps; the 5th (a nested boot) takes 30 minutes instead of 1.
    const tookS = Array.from({ length: 15 }, (_, i) => (i === 4 ? 1800 : 60));
    const shown = showEtas(Array(15).fill(60), tookS);
    const jump = shown[5]!.measuredMs / shown[4]!.measuredMs;
    assert.ok(jump > 4, `the scenario should make the measured estimate jump (it moved ${jump.toFixed(1)}×)`);
    assertWithinTwice(shown);
    assert.ok(shown[5]!.etaMs <= 2 * shown[4]!.etaMs);
  });

  it('slow boots around a measurement that stopped early (an hour expected, a minute taken) move it at most 2× either way', () => {
    // An hour-long measurement expected, done in a minute, between slow boots.
    const expectedS = [100, 3600, 100, 3600, 100, 60];
    const tookS = [400, 60, 400, 3600, 400, 60];
    assertWithinTwice(showEtas(expectedS, tookS));
  });

  it('follows a steady slow pace (3× the steps\' estimates) to the true time left', () => {
    const shown = showEtas(Array(20).fill(60), Array(20).fill(180));
    assertWithinTwice(shown);
    assert.ok(shown[0]!.etaMs < shown[0]!.trueMs / 2, 'starts from the steps\' own estimates');
    for (const s of shown.slice(10)) {
      assert.ok(Math.abs(s.etaMs - s.trueMs) <= 0.1 * s.trueMs, `ETA ${s.etaMs / 1000} s, really ${s.trueMs / 1000} s left`);
    }
  });

  it('the virtual lab\'s nightly starts from estimates near what its nightlies took (each step, and the whole)', async () => {
    // The lab config as `lab up` writes it for TCG guests, with the virtual-lab selection, as the README's main command runs it.
    const text = labConfigYaml('nightly', 2222, '/k', LAB_KEY, { accel: 'tcg', guest: { vmlinux: '/images/g.vmlinux', kernel: '/images/g.vmlinuz', initrd: '/images/g.initrd', iso: '/images/g.iso' } },
      { port: 3333, identityFile: '/t', hostKey: LAB_KEY.replace('nightly', 'traffic') });
    const selection = await fs.readFile(new URL('../../../scenarios/virtual-lab.yaml', import.meta.url), 'utf8');
    const config = parseScenarioConfig({ text, source: 'lab.yaml' }, { text: selection, source: 'virtual-lab.yaml' });
    const plan = expandPlan(nightly, config, ['nightly']);
    const host = plan.hosts[0]!;
    const byStep = new Map<string, number>();
    for (const c of host.cases) {
      for (const s of plan.scenario.steps.filter((step) => c.stepIds.includes(step.id))) byStep.set(s.id, (byStep.get(s.id) ?? 0) + expectedStepS(s, c, config.run));
    }
    // The 5 December nightlies (bench/README, "The nightly's time, phase by phase", median of 5 on an
    // idle machine, 4 cases): a step's estimate within 2× of what it took, the whole within 1.5×.
    const tookS: Record<string, number> = { 'boot-guests': 121.4, measure: 273.3 };
    for (const [step, took] of Object.entries(tookS)) {
      const expected = byStep.get(step)!;
      assert.ok(expected >= took / 2 && expected <= took * 2, `${step}: expected ${expected} s, took ${took} s`);
    }
    const expectedTotalS = [...byStep.values()].reduce((a, b) => a + b, 0);
    const tookTotalS = 0.9 + 11.6 + 121.4 + 21.2 + 273.3 + 16.4;
    assert.ok(expectedTotalS >= tookTotalS / 1.5 && expectedTotalS <= tookTotalS * 1.5, `expected ${expectedTotalS} s in all, took ${tookTotalS} s`);
  });

  it('boundEstimate: holds both ways, counts the time since, and does not stick at zero after an overrun', () => {
    const previous = { etaMs: 600_000, atMs: 0 };
    assert.equal(boundEstimate(previous, 3_000_000, 0), 1_200_000);
    assert.equal(boundEstimate(previous, 60_000, 0), 300_000);
    assert.equal(boundEstimate(previous, 500_000, 60_000), 500_000);
    // 9 of the 10 minutes gone: the bound is taken from half the previous estimate, not from 1 minute.
    assert.equal(boundEstimate(previous, 3_000_000, 540_000), 600_000);
    assert.equal(boundEstimate(previous, 0, 60_000), 0, 'nothing left is nothing left');
    assert.equal(boundEstimate({ etaMs: 0, atMs: 0 }, 60_000, 1000), 60_000);
  });

  describe('in a run (fake ops on a simulated host, a clock the ops move)', () => {
    const lab = useSimLabs();

    it('a guest boot 30 minutes slower than expected moves the shown ETA at most 2× per step', async () => {
      const l = await simHost(lab);
      const config = parseScenarioConfig({ text: labYaml({ lab1: ALL_DEVICES }), source: 'lab.yaml', baseDir: '/tmp' });
      let clockMs = Date.parse('2026-12-03T02:00:00Z');
      let slowBootDone = false;
      const fake = fakeOps({ hosts: { lab1: l.sim }, hook: (op) => {
        clockMs += op === 'boot' && !slowBootDone ? 1800_000 : 20_000;
        if (op === 'boot') slowBootDone = true;
      } });
      const lines: string[] = [];
      const resultsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-eta-'));
      const outcome = await runPlan({
        plan: expandPlan(nightly, config), settings: { ...config.run, resultsDir }, ops: fake.ops,
        scenarioFile: 'scenarios/nightly.ts', scenarioHash: 'a'.repeat(64), runId: '20261203T020000Z-abcd',
        progress: plainProgress((t) => lines.push(t), () => new Date(clockMs)), now: () => new Date(clockMs), graceMs: 50,
      }).finally(() => fs.rm(resultsDir, { recursive: true, force: true }));
      assert.equal(outcome.conclusion, 'passed', JSON.stringify(outcome.verdicts));
      const shown = lines.flatMap((line) => {
        const m = /^(\S+) lab1 \[(\d+)\/(\d+)\].*ETA (\S+)$/.exec(line.trimEnd());
        // Once every step has ended nothing is left to estimate: 0, whatever came before.
        return m && m[2] !== m[3] ? [{ atMs: Date.parse(m[1]!), etaMs: parseEta(m[4]!) }] : [];
      });
      assert.ok(shown.length > 10, lines.join(''));
      // The ETA is printed to the second, past an hour to the minute: a shown value may be 60 s under
      // the real one, and the bound doubles it.
      assertWithinTwice(shown, 120_000);
    });
  });
});

function parseEta(text: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  assert.ok(m && text !== '', `not an ETA: ${text}`);
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}
