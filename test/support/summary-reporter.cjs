// Mocha's spec output, ending with one plain line CI can read: "N passed, N failed, N skipped".
// A suite that stops before its end (node exits when a test awaits something nothing will ever
// settle: the event loop is empty) exits non-zero with a line saying where it stopped; it used to
// end with exit code 0 and no summary, mid-suite.
'use strict';
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    let ended = false;
    let current = '(before the first test)';
    runner.on(Mocha.Runner.constants.EVENT_TEST_BEGIN, (test) => { current = test.fullTitle(); });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      ended = true;
      const { passes, failures, pending } = runner.stats;
      process.stdout.write(`\n${passes} passed, ${failures} failed, ${pending} skipped\n`);
    });
    process.once('exit', (code) => {
      if (ended) return;
      const { passes, failures, pending } = runner.stats;
      process.stdout.write(`\nthe suite stopped before its end, in: ${current}\n${passes} passed, ${failures + 1} failed, ${pending} skipped\n`);
      if (!code) process.exitCode = 1;
    });
  }
}
module.exports = SummaryReporter;
