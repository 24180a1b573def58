import { PassbenchError, ResultsError, errorMessage } from '../../errors.ts';

/**
 * The little a history needs from a SQL database, so SQLite and PostgreSQL run the same
 * statements. SQL is written with `?` placeholders; the PostgreSQL backend numbers them.
 */
export type SqlValue = string | number | null;
export type SqlRow = Record<string, unknown>;

export interface SqlDb {
  readonly kind: 'sqlite' | 'postgres';
  /** Where it is, for messages (a file path, or the URL without its password). */
  readonly location: string;
  query(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
  run(sql: string, params?: readonly SqlValue[]): Promise<void>;
  /** Runs `work` inside BEGIN … COMMIT (ROLLBACK if it throws); one transaction at a time. */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * A database error (a table missing from a history some other tool made, a locked file, a lost
 * connection) as an error naming the history: the results cannot be read (exit 4), not a bug.
 */
export function historyError(location: string, error: unknown): unknown {
  if (error instanceof PassbenchError) return error;
  return new ResultsError(`history ${location}: ${errorMessage(error)}`, {
    cause: error,
    remedy: 'check that it is a passbench history and not in use by something else; a history can be rebuilt with passbench history import RUN_DIR',
  });
}

/** Runs `work`, turning a database error into historyError's. */
export async function naming<T>(location: string, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw historyError(location, error);
  }
}

/** Serializes async sections on one connection (a transaction must not interleave with another). */
export function createMutex(): <T>(work: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const result = tail.then(work);
    tail = result.catch(() => undefined);
    return result;
  };
}
