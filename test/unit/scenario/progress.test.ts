import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { chooseProgress, plainProgress } from '../../../harness/scenario/progress.ts';
import { plainLines } from '../../../harness/host/lines.ts';

/** A stream like stderr redirected to a file (`>nightly.log 2>&1`): not a terminal. */
function fileLikeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _encoding, done) { chunks.push(chunk.toString('utf8')); done(); } });
  Object.assign(stream, { isTTY, columns: isTTY ? 80 : undefined });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

/** What a log must never hold: escape sequences, carriage returns, other controls, trailing blanks. */
function assertPlainLog(text: string): void {
  assert.ok(text.endsWith('\n'), 'the last line is ended');
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(text, /[\x00-\x08\x0b-\x1f\x7f]/, `control characters in ${JSON.stringify(text)}`);
  for (const line of text.slice(0, -1).split('\n')) {
    assert.equal(line, line.trimEnd(), `trailing blanks in ${JSON.stringify(line)}`);
    assert.match(line, /^\d{4}-\d\d-\d\dT[\d:.]+Z lab1 ./, `not a timestamped line: ${JSON.stringify(line)}`);
  }
}

describe('scenario/progress: plain lines where the output is not a terminal', () => {
  const at = () => new Date('2026-12-03T02:00:00.000Z');

  it('chooses plain lines for a stream that is not a terminal, and for TERM=dumb', () => {
    for (const [isTTY, env] of [[false, { TERM: 'xterm-256color' }], [true, { TERM: 'dumb' }]] as const) {
      const out = fileLikeStream(isTTY);
      const progress = chooseProgress(out.stream, env);
      progress.begin([{ name: 'lab1', total: 17 }]);
      progress.update({ host: 'lab1', caseId: 'lab1/nic-0000:00:03.0', step: 'boot the guests', guest: 'nic0', done: 2, total: 17, etaMs: 1_020_000 });
      progress.log('lab1', 'lab1/nic-0000:00:03.0: nic0: QMP up after 9.1 s');
      progress.end();
      assertPlainLog(out.text());
      assert.match(out.text(), /lab1 \[2\/17\] lab1\/nic-0000:00:03\.0: boot the guests \(nic0\); 15 step\(s\) left, ETA 17m00s\n/);
    }
  });

  it('logs what other programs print (carriage-return redraws, colours, padding, CRLF) as plain lines, each with time and host', () => {
    const out = fileLikeStream(false);
    const progress = plainProgress((t) => out.stream.write(t), at);
    // QEMU's or a guest tool's progress redrawn in place, coloured and padded to the terminal's width.
    progress.log('lab1', `nic0: qemu: copying 10%\r\x1b[Kcopying 100%${' '.repeat(2000)}\r\n`);
    // A command's error output from over SSH: CRLF line ends, a colour, an indented remedy.
    progress.log('lab1', 'failed: ip link set eth1 up:\r\n  \x1b[31mRTNETLINK answers: Operation not permitted\x1b[0m   \r\n  what to do: run as root\r\n');
    progress.update({ host: 'lab1', caseId: 'lab1/e1000', step: 'measure\x1b]0;title\x07', done: 15, total: 17, etaMs: 90_000 });
    const text = out.text();
    assertPlainLog(text);
    assert.deepEqual(text.split('\n').slice(0, -1).map((l) => l.slice('2026-12-03T02:00:00.000Z lab1 '.length)), [
      'nic0: qemu: copying 10%',
      'copying 100%',
      'failed: ip link set eth1 up:',
      '  RTNETLINK answers: Operation not permitted',
      '  what to do: run as root',
      '[15/17] lab1/e1000: measure; 2 step(s) left, ETA 1m30s',
    ]);
  });

  it('plainLines drops what a log cannot show and keeps the words', () => {
    assert.deepEqual(plainLines('a\tb  \r\n\r\n\x1b[1;32mok\x1b[0m\bx\x00\n'), ['a\tb', 'okx']);
    assert.deepEqual(plainLines(' \r \n'), []);
  });
});
