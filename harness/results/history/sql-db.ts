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

/** Serializes async sections on one connection (a transaction must not interleave with another). */
export function createMutex(): <T>(work: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const result = tail.then(work);
    tail = result.catch(() => undefined);
    return result;
  };
}
