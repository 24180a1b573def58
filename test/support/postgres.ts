/**
 * A real, throwaway PostgreSQL server for tests: Debian's postgresql package (initdb + pg_ctl)
 * on a temporary directory, a free port and a unix socket in that directory, no TCP listener.
 * Run as the `postgres` user when the tests run as root (initdb refuses root).
 *
 * Missing PostgreSQL is a failure with the remedy, never a skip.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { freeLoopbackPort } from '../../harness/host/free-port.ts';

export interface PostgresServer {
  /** Connection URL of a fresh, empty database. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

async function findBinDir(): Promise<string> {
  const root = '/usr/lib/postgresql';
  const versions = await fs.readdir(root).catch(() => [] as string[]);
  for (const version of versions.sort((a, b) => Number(b) - Number(a))) {
    const bin = path.join(root, version, 'bin');
    if (await fs.access(path.join(bin, 'initdb')).then(() => true, () => false)) return bin;
  }
  throw new Error(`PostgreSQL is not installed: no ${root}/<version>/bin/initdb. `
    + 'Install it with `apt-get install postgresql` (scripts/setup-debian.sh does); the history tests need a real server.');
}


export async function startPostgres(): Promise<PostgresServer> {
  const bin = await findBinDir();
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-pg-'));
  const data = path.join(root, 'data');
  const asRoot = process.getuid?.() === 0;
  // initdb refuses to run as root: hand the directory to the postgres user and run as it.
  if (asRoot) await execa('chown', ['postgres:postgres', root]);
  const as = (argv: string[]) => (asRoot ? execa('runuser', ['-u', 'postgres', '--', ...argv]) : execa(argv[0]!, argv.slice(1)));
  const port = await freeLoopbackPort();
  await as([path.join(bin, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
  await as([path.join(bin, 'pg_ctl'), '-D', data, '-l', path.join(root, 'server.log'), '-w', '-t', '60',
    '-o', `-k ${root} -p ${port} -c listen_addresses= -c fsync=off`, 'start']);
  const url = (db: string) => `postgres://postgres@/${db}?host=${encodeURIComponent(root)}&port=${port}`;
  let next = 0;
  return {
    async createDatabase() {
      const name = `passbench_test_${process.pid}_${++next}`;
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    async stop() {
      try {
        await as([path.join(bin, 'pg_ctl'), '-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        await fs.rm(root, { recursive: true, force: true });
      }
    },
  };
}
