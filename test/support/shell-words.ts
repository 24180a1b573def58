/**
 * Splits a command line the way a POSIX shell does for what passbench prints in remedies
 * (harness/prepare/restore-command.ts: plain words and single-quoted ones): how tests paste them.
 */
export function shellWords(line: string): string[] {
  return [...line.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replaceAll(`'\\''`, `'`) : m[2]!));
}
