/** SqlDb on PostgreSQL (node-postgres, one connection so a transaction stays on it). */
import pg from 'pg';
import { ResultsError } from '../../errors.ts';
import { createMutex, naming, type SqlDb, type SqlRow, type SqlValue } from './sql-db.ts';

/** `?` placeholders (outside quoted strings) → `$1, $2 …`. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  let quoted = false;
  let out = '';
  for (const ch of sql) {
    if (ch === "'") quoted = !quoted;
    out += ch === '?' && !quoted ? `$${++n}` : ch;
  }
  return out;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:@/]*):[^@]*@/, '$1:***@');
}

/** Prepared statements kept per connection. */
const MAX_PREPARED = 500;

export async function openPostgresDb(url: string): Promise<SqlDb> {
  const location = redactUrl(url);
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    throw new ResultsError(`history ${location}: cannot connect to PostgreSQL: ${(error as Error).message}`, {
      remedy: 'check the URL (postgres://user:password@host:port/database), that the server runs and accepts this user',
      cause: error,
    });
  }
  await client.query('SET client_min_messages = warning');
  const exclusive = createMutex();
  let inTransaction = false;
  const guard = <T>(work: () => Promise<T>): Promise<T> => (inTransaction ? work() : exclusive(work));
  // Statements with parameters are prepared once per connection (named), as better-sqlite3's are:
  // an archive import sends the same 200-row INSERTs hundreds of times, and parsing and planning
  // each anew took a third of the time (bench/history-import.ts: 1,000 runs in 7 s instead of 11).
  // Up to MAX_PREPARED texts; the rest go unnamed, so the server's memory stays bounded.
  const prepared = new Map<string, { name: string; text: string }>();
  const query = (sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> => naming(location, async () => {
    if (params.length === 0) return (await client.query(numberPlaceholders(sql))).rows as SqlRow[];
    let statement = prepared.get(sql);
    if (!statement && prepared.size < MAX_PREPARED) prepared.set(sql, (statement = { name: `passbench_${prepared.size + 1}`, text: numberPlaceholders(sql) }));
    const config = statement ?? { text: numberPlaceholders(sql) };
    return (await client.query({ ...config, values: params as SqlValue[] })).rows as SqlRow[];
  });
  return {
    kind: 'postgres',
    location,
    query: (sql, params) => guard(() => query(sql, params)),
    run: (sql, params) => guard(async () => { await query(sql, params); }),
    transaction: <T>(work: () => Promise<T>) => exclusive(async () => {
      await client.query('BEGIN');
      inTransaction = true;
      try {
        const result = await work();
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        inTransaction = false;
      }
    }),
    close: () => exclusive(() => client.end()),
  };
}
