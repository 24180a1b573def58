/**
 * POSIX single-quote escaping. An SSH exec request is always a string that the remote login shell
 * parses, so argv has to be turned into one string that the shell splits back into the same words.
 * Inside single quotes nothing is special except `'` itself, which is written as `'\''`.
 */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function shellQuote(arg: string): string {
  if (arg.includes('\0')) throw new TypeError(`a command argument cannot contain a NUL byte: ${JSON.stringify(arg)}`);
  // Plain words stay readable in error messages and `ps`; everything else is quoted.
  if (SAFE_WORD.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
