import assert from 'node:assert/strict';
import { emulatedHttpRequests } from '../../../harness/scenario/real-ops.ts';

describe('scenario/real-ops', () => {
  it('under TCG, HTTP runs by request count, as many as an idle lab answers in the test\'s length (at least 10)', () => {
    assert.equal(emulatedHttpRequests(3), 30);
    assert.equal(emulatedHttpRequests(2), 20);
    assert.equal(emulatedHttpRequests(10), 100);
    assert.equal(emulatedHttpRequests(0.5), 10);
  });
});
