/**
 * Typed errors. Each carries what a person needs to act: what was expected, what was found,
 * and a remedy. The CLI prints `message` and, when present, `remedy`; nothing is swallowed.
 */
export interface ErrorDetails {
  /** What to do about it, in words a lab engineer can follow. */
  remedy?: string;
  cause?: unknown;
}

export class PassbenchError extends Error {
  readonly remedy?: string;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.remedy = details.remedy;
  }
}

/** Bad input from the command line or a config file (exit code 2). */
export class UsageError extends PassbenchError {}

/** A command on a host exited non-zero, could not start, or timed out. */
export class CommandError extends PassbenchError {
  constructor(
    readonly host: string,
    readonly argv: readonly string[],
    readonly exitCode: number | undefined,
    readonly stderr: string,
    readonly durationMs: number,
    details: ErrorDetails & { reason?: string } = {},
  ) {
    const what = details.reason ?? (exitCode === undefined ? 'did not run' : `exited with code ${exitCode}`);
    const tail = stderr.trim().split('\n').slice(-5).join('\n');
    super(`on ${host}: \`${argv.join(' ')}\` ${what}${tail ? `:\n${tail}` : ''}`, details);
  }
}

/** A file on a host could not be read or written. */
export class HostFileError extends PassbenchError {
  constructor(
    readonly host: string,
    readonly path: string,
    readonly operation: string,
    details: ErrorDetails & { code?: string } = {},
  ) {
    const why = details.cause instanceof Error ? details.cause.message : String(details.cause ?? 'failed');
    super(`on ${host}: ${operation} ${path}: ${why}`, details);
    this.code = details.code ?? (details.cause as NodeJS.ErrnoException | undefined)?.code;
  }
  readonly code?: string;
}

/**
 * The results cannot be read: a run directory or result file that is missing or corrupt, a run id
 * or selector the history does not hold, a history that cannot be opened (exit code 4, apart from
 * a regression's 1, so CI can tell "slower" from "could not tell").
 */
export class ResultsError extends PassbenchError {}

/** A wait ran past its deadline. */
export class TimeoutError extends PassbenchError {}

/**
 * What a file system error means for the path a person gave, in words ("there is no such file")
 * rather than Node's "ENOENT: no such file or directory, open '…'", which repeats the path.
 */
export function fileErrorWords(error: unknown): string {
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOENT': return 'there is no such file or folder';
    case 'ENOTDIR': return 'a part of its path is a file, not a folder';
    case 'EISDIR': return 'it is a folder, not a file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    default: return errorMessage(error);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
