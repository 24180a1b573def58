import assert from 'node:assert/strict';
import { LocalHost } from '../../../harness/host/local-host.ts';
import { shellJoin, shellQuote } from '../../../harness/host/shell-quote.ts';

describe('host/shell-quote', () => {
  it('leaves plain words readable', () => {
    assert.equal(shellQuote('/sys/bus/pci/drivers/vfio-pci'), '/sys/bus/pci/drivers/vfio-pci');
    assert.equal(shellQuote('--opt=a,b:c@d%e+f'), '--opt=a,b:c@d%e+f');
  });

  it('quotes everything else in single quotes, with a quote written as \'\\\'\'', () => {
    assert.equal(shellQuote(''), "''");
    assert.equal(shellQuote('a b'), "'a b'");
    assert.equal(shellQuote("it's"), "'it'\\''s'");
    assert.equal(shellQuote('$(reboot)'), "'$(reboot)'");
    assert.equal(shellJoin(['echo', 'a;b', '*']), "echo 'a;b' '*'");
  });

  it('refuses a NUL byte, which no shell word can hold', () => {
    assert.throws(() => shellQuote('a\0b'), TypeError);
  });

  const tricky = ['', ' ', "'", "''", '"', '\\', '\\\'', '$HOME', '${x:-y}', '$(id)', '`id`', 'a;b', 'a&&b', 'a|b', '>x', '<x',
    '*', '?', '[a]', '~', '~root', '#c', '!x', 'a\nb', '\t', 'é ü 日本', '-n', '--', '%s', "'; rm -rf / #"];
  it('round-trips through a real POSIX shell (dash and bash)', async () => {
    const local = new LocalHost();
    for (const shell of ['sh', 'bash']) {
      const result = await local.run([shell, '-c', `printf '%s\\0' ${shellJoin(tricky)}`]);
      assert.deepEqual(result.stdout.split('\0').slice(0, -1), tricky, shell);
    }
  });
});
