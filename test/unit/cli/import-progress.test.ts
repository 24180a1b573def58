import assert from 'node:assert/strict';
import { formatSummary, importProgress } from '../../../harness/cli/import-progress.ts';
import type { ImportCounts } from '../../../harness/results/import-archive.ts';

const counts = (done: number, elapsedMs: number, total = 1000): ImportCounts =>
  ({ total, done, imported: done, replaced: 0, skipped: 0, failed: 0, elapsedMs });

function sink(isTTY: boolean) {
  const written: string[] = [];
  return { written, stream: { isTTY, write: (text: string) => written.push(text) } };
}

describe('history import progress', () => {
  it('not on a terminal: a plain line every 100 runs, or every 5 s when batches are slow, none at the start or end', () => {
    const { written, stream } = sink(false);
    const p = importProgress(stream);
    for (const [done, ms] of [[0, 0], [100, 900], [150, 1200], [200, 1800], [250, 7000], [260, 7500], [1000, 9000]] as const) p.update(counts(done, ms));
    assert.deepEqual(written, [
      'importing: 100 of 1000 run directories (100 imported, 0 replaced, 0 skipped (already in the history), 0 failed), 0.9 s\n',
      'importing: 200 of 1000 run directories (200 imported, 0 replaced, 0 skipped (already in the history), 0 failed), 1.8 s\n',
      'importing: 250 of 1000 run directories (250 imported, 0 replaced, 0 skipped (already in the history), 0 failed), 7.0 s\n',
    ]);
    assert.ok(written.every((line) => !line.includes('\x1b') && !line.includes('\r')), 'no terminal control in a log');
  });

  it('on a terminal: one line rewritten in place, cleared before other output', () => {
    const { written, stream } = sink(true);
    const p = importProgress(stream);
    p.update(counts(100, 1000));
    p.update(counts(200, 2000));
    p.clear();
    assert.equal(written.length, 3);
    assert.ok(written[0]!.startsWith('\r\x1b[2Kimporting: 100 of 1000'));
    assert.equal(written[2], '\r\x1b[2K');
  });

  it('a short import prints no progress; the summary gives the counts and the time', () => {
    const { written, stream } = sink(false);
    const p = importProgress(stream);
    p.update(counts(0, 0, 3));
    p.update(counts(3, 40, 3));
    assert.deepEqual(written, []);
    assert.equal(formatSummary({ ...counts(3, 1234, 3), imported: 2, skipped: 1 }, 'h.sqlite'),
      '2 imported, 0 replaced, 1 skipped (already in the history), 0 failed in 1.2 s (3 run directories) into h.sqlite');
  });
});
