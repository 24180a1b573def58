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
