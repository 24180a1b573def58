import assert from 'node:assert/strict';
import { formatOutcome, type RunOutcome } from '../../../harness/scenario/runner.ts';

const outcome = (o: Partial<RunOutcome>): RunOutcome => ({
  runId: 'r1', status: 'passed', verdicts: [], regressions: [], reports: {}, conclusion: 'passed', ...o,
});

describe('the run\'s outcome as printed', () => {
  it('heads a night whose checks passed but which regressed REGRESSED, as its exit code says, not PASSED', () => {
    const text = formatOutcome(outcome({ regressions: ['lab1/vf/vf0 tcp.rx.throughput: tonight −20 %'], conclusion: 'failed' }));
    assert.match(text, /^run r1: REGRESSED \(every check passed\)\n {2}REGRESSION: lab1\/vf\/vf0 tcp\.rx\.throughput: tonight −20 %$/);
  });

  it('heads a clean night PASSED and a failed one FAILED', () => {
    assert.match(formatOutcome(outcome({})), /^run r1: PASSED$/);
    assert.match(formatOutcome(outcome({ status: 'failed', conclusion: 'failed' })), /^run r1: FAILED$/);
  });
});
