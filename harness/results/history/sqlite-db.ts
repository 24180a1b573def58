/** SqlDb on a SQLite file (better-sqlite3; synchronous underneath, WAL journal). */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PassbenchError } from '../../errors.ts';
import { createMutex, type SqlDb, type SqlRow, type SqlValue } from './sql-db.ts';

export function openSqliteDb(file: string): SqlDb {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
  } catch (error) {
    throw new PassbenchError(`history ${file}: cannot open it as a SQLite database: ${(error as Error).message}`, {
      remedy: 'give a SQLite history file (default reports/history.sqlite; created if missing) or a postgres:// URL',
      cause: error,
    });
  }
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string): Database.Statement => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  const exclusive = createMutex();
  let inTransaction = false;
  const guard = <T>(work: () => T): Promise<T> => (inTransaction ? Promise.resolve(work()) : exclusive(async () => work()));
  return {
    kind: 'sqlite',
    location: file,
    query: (sql: string, params: readonly SqlValue[] = []) => guard(() => {
      const statement = prepare(sql);
      return statement.reader ? (statement.all(...params) as SqlRow[]) : (statement.run(...params), []);
    }),
    run: (sql: string, params: readonly SqlValue[] = []) => guard(() => {
      if (params.length === 0 && sql.includes(';')) db.exec(sql);
      else prepare(sql).run(...params);
    }),
    transaction: <T>(work: () => Promise<T>) => exclusive(async () => {
      db.exec('BEGIN IMMEDIATE');
      inTransaction = true;
      try {
        const result = await work();
        db.exec('COMMIT');
        return result;
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      } finally {
        inTransaction = false;
      }
    }),
    close: () => exclusive(async () => { db.close(); }),
  };
}
