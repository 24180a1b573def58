import { Writable } from 'node:stream';

/** A writable that calls back once per complete line (the last partial line on end). */
export function splitLines(onLine: (line: string) => void): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line.replace(/\r$/, ''));
      done();
    },
    final(done) {
      if (pending) onLine(pending);
      done();
    },
  });
}

// CSI (colours, cursor moves, erase), OSC (titles, ended by BEL or ST), and other two-byte ESC sequences.
// eslint-disable-next-line no-control-regex
const TERMINAL_ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]/g;
// Other control characters a log cannot show (backspace redraws, NUL, …); tab and line breaks stay.
// eslint-disable-next-line no-control-regex
const OTHER_CONTROLS = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

/**
 * Text as plain log lines: no escape sequences, no carriage-return redraws (each redrawn state
 * becomes its own line, so nothing is hidden), no trailing blanks, no empty lines. Lines from
 * elsewhere (QEMU's stderr, a command's error output, a guest) pass through here.
 */
export function plainLines(text: string): string[] {
  return text
    .replace(TERMINAL_ESCAPES, '')
    .replace(OTHER_CONTROLS, '')
    .split(/\r\n|\r|\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0);
}
