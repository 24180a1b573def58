import assert from 'node:assert/strict';
import { UsageError } from '../../../harness/errors.ts';
import { isBdf, parseBdf } from '../../../harness/pci/bdf.ts';

describe('pci/bdf', () => {
  it('accepts the canonical form', () => {
    assert.equal(parseBdf('0000:03:00.0'), '0000:03:00.0');
    assert.equal(parseBdf('0001:ff:1f.7'), '0001:ff:1f.7');
  });

  for (const bad of ['03:00.0', '0000:03:00.8', '0000:03:20.0', '0000:03:00.0/../../x', '../0000:03:00.0',
    '0000:03:00.0 ', '0000:0G:00.0', '0000:03:00.0;reboot', '', '0000:03:00.00']) {
    it(`rejects ${JSON.stringify(bad)} and names it`, () => {
      assert.equal(isBdf(bad), false);
      assert.throws(() => parseBdf(bad), (e: unknown) => e instanceof UsageError && e.message.includes(JSON.stringify(bad)));
    });
  }

  it('suggests the canonical form for a short or upper-case address, without accepting it', () => {
    assert.throws(() => parseBdf('03:00.0'), /did you mean 0000:03:00\.0\?/);
    assert.throws(() => parseBdf('0000:0A:00.0'), /did you mean 0000:0a:00\.0\?/);
  });
});
