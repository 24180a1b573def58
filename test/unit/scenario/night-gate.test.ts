import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseScenarioConfig } from '../../../harness/config/scenario-config.ts';
import { openHistory } from '../../../harness/results/history.ts';
import { realOps } from '../../../harness/scenario/real-ops.ts';
import { importNights, writeNight } from '../../support/nightly-history.ts';
import { tempDir } from '../../support/temp-dirs.ts';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl lab1';

/**
 * The end of a real run (realOps().report, what the runner calls and whose regressions set the exit
 * code): the config's run.baseline / run.gate reach the night verdict. History and run directories
 * are simulated; no host is involved.
 */
describe('scenario: the night verdict gates the run (real ops, simulated history)', function () {
  this.timeout(120000);
  let root: string;
  let history: string;
  let tonight: string;
  before(async () => {
    root = await tempDir('passbench-night-gate-');
    history = path.join(root, 'history.sqlite');
    const h = await openHistory(history);
    try {
      await importNights(root, h, Array.from({ length: 12 }, () => ({})));
    } finally {
      await h.close();
    }
    tonight = (await writeNight(root, 13, { factor: 0.9 })).dir;
  });

  const settings = (run: string) => parseScenarioConfig({
    text: `hosts:\n  lab1:\n    address: 10.0.0.5\n    identityFile: /k\n    hostKey: ${KEY}\nrun:\n  history: ${history}\n${run}`, source: 'lab.yaml', baseDir: '/',
  }).run;
  const report = async (run: string, gate = true) => {
    // Each call records the same night again (replaced in the history): judged against n03…n12 each time.
    const outcome = await realOps({ accel: 'kvm' }).report(tonight, settings(run), gate);
    return outcome.regressions;
  };

  it('a night 10 % down fails the run, naming the series and the 10 nights judged against', async () => {
    const regressions = await report('');
    assert.ok(regressions.some((r) => /^lab1\/nic\/nic tcp\.tx\.throughput: tonight −\d+(\.\d+)? % .*against 10 nights.*\(baseline 10 nights: n03, n04, .*n12\)$/.test(r)), regressions.join('\n'));
    const json = JSON.parse(await fs.readFile(path.join(tonight, 'results.json'), 'utf8'));
    assert.equal(json.night.regressed, true);
  });

  it('run.gate leaves throughput out of the verdict that fails the run; a scenario without compare fails on none', async () => {
    assert.deepEqual(await report('  gate: ["latency.*"]\n'), []);
    assert.deepEqual(await report('', false), []);
  });

  it('run.baseline.nights and a 20 % threshold are the config\'s', async () => {
    assert.deepEqual(await report('  thresholds: { default: 20 }\n'), []);
    const five = await report('  baseline: { nights: 5 }\n');
    assert.ok(five.some((r) => /\(baseline 5 nights: n08, n09, n10, n11, n12\)$/.test(r)), five.join('\n'));
  });
});
