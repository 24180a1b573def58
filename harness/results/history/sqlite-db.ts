/** SqlDb on a SQLite file (better-sqlite3; synchronous underneath, WAL journal). */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ResultsError, errorMessage, fileErrorWords } from '../../errors.ts';
import { createMutex, naming, type SqlDb, type SqlRow, type SqlValue } from './sql-db.ts';

export interface SqliteOpenOptions {
  /**
   * For commands that only read (history, compare, report): the file must exist, nothing is
   * created or converted (no folder, no WAL switch), so a mistyped path is an error, not a new
   * empty history.
   */
  readOnly?: boolean;
  /** What messages call it (default: the file). */
  label?: string;
  /** Open to write, but only a file that is there (nothing is created). */
  mustExist?: boolean;
}

const REMEDY = 'give a SQLite history file ending in .sqlite (passbench run and passbench history import create reports/history.sqlite) or a postgres:// URL';

export function openSqliteDb(file: string, options: SqliteOpenOptions = {}): SqlDb {
  if (options.readOnly || options.mustExist) checkReadable(file);
  else makeParentFolder(file);
  let db: Database.Database;
  try {
    // Read-only means "create nothing, change nothing", not SQLite's readonly flag: a readonly
    // connection to a WAL history leaves -wal and -shm files behind; a plain one that only reads
    // removes them when it closes, as it found them.
    db = new Database(file, { fileMustExist: Boolean(options.readOnly) });
    if (!options.readOnly) db.pragma('journal_mode = WAL');
  } catch (error) {
    throw new ResultsError(`history ${file}: cannot open it as a SQLite database: ${errorMessage(error)}`, { remedy: REMEDY, cause: error });
  }
  db.pragma('busy_timeout = 10000');
  if (!options.readOnly) db.pragma('synchronous = NORMAL');
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
  const location = options.label ?? file;
  const guard = <T>(work: () => T): Promise<T> => (inTransaction ? naming(location, work) : exclusive(() => naming(location, work)));
  return {
    kind: 'sqlite',
    location,
    query: (sql: string, params: readonly SqlValue[] = []) => guard(() => {
      const statement = prepare(sql);
      return statement.reader ? (statement.all(...params) as SqlRow[]) : (statement.run(...params), []);
    }),
    run: (sql: string, params: readonly SqlValue[] = []) => guard(() => {
      if (params.length === 0 && sql.includes(';')) db.exec(sql);
      else prepare(sql).run(...params);
    }),
    transaction: <T>(work: () => Promise<T>) => exclusive(async () => {
      await naming(location, () => db.exec('BEGIN IMMEDIATE'));
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

/** The file exists and is a file; otherwise says which part of the path is wrong. */
function checkReadable(file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    throw new ResultsError(`history ${file} cannot be read: ${fileErrorWords(error)}`, {
      remedy: `check the path (a read command never creates a history); ${REMEDY}`, cause: error,
    });
  }
  if (!stat.isFile()) throw new ResultsError(`history ${file} is a folder, not a SQLite file`, { remedy: REMEDY });
}

/**
 * Why a history could not be written at `file`, found without writing: it is a folder, or the
 * nearest part of its path that exists is a file or cannot be written to. Undefined when fine.
 * A run checks this before it contacts a host, not after an hour of measuring.
 */
export function sqliteFileProblem(file: string): string | undefined {
  const stat = (p: string) => { try { return fs.statSync(p); } catch { return undefined; } };
  const self = stat(file);
  if (self) return self.isFile() ? undefined : 'it is a folder, not a file';
  let folder = path.dirname(path.resolve(file));
  while (!stat(folder) && path.dirname(folder) !== folder) folder = path.dirname(folder);
  if (!stat(folder)?.isDirectory()) return `${folder} is a file, not a folder`;
  try {
    fs.accessSync(folder, fs.constants.W_OK);
  } catch {
    return `${folder} cannot be written to`;
  }
  return undefined;
}

function makeParentFolder(file: string): void {
  const folder = path.dirname(path.resolve(file));
  const problem = sqliteFileProblem(file);
  if (problem) throw new ResultsError(`history ${file} cannot be written: ${problem}`, { remedy: REMEDY });
  try {
    fs.mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw new ResultsError(`history ${file}: cannot make its folder ${folder}: ${errorMessage(error)}`, { remedy: REMEDY, cause: error });
  }
}
