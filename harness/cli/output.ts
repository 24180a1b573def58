/** Printing for commands: JSON for machines (`--json`), aligned text for people. */

/**
 * A reader that goes away early (`passbench --help | head -1`, a pager quit) is not a failure of the
 * command: what is left to print has nowhere to go. Node reports it as an 'error' event (EPIPE) on the
 * stream, which, unhandled, kills the process with a stack trace. Swallowed here, the stream is closed
 * and later writes to it go nowhere, and the command ends as it would have: help exits 0, and a run
 * whose stderr reader is gone still stops its guests and restores its hosts. Other write errors stay
 * loud. For the CLI process only (bin/passbench.js), not for main() called in tests.
 */
export function endQuietlyWhenReaderCloses(streams: readonly NodeJS.WritableStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
}
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Left-aligned columns, widths from the widest cell; the header row first. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
