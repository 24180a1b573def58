/**
 * Runs a history test suite against both backends: a SQLite file in a temp directory and a
 * database on a real throwaway PostgreSQL server (started once per suite, stopped after it).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openHistory, type History } from '../../harness/results/history.ts';
import { startPostgres, type PostgresServer } from './postgres.ts';

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** A fresh, empty history. */
  open(): Promise<History>;
  /** Where the last one opened lives (file path or URL), for the CLI. */
  lastLocation(): string;
}

export function forEachBackend(suite: (backend: Backend) => void): void {
  describe('on SQLite', function () {
    let root: string;
    let location = '';
    before(async () => { root = await fs.mkdtemp(path.join(os.tmpdir(), 'passbench-history-')); });
    after(async () => { await fs.rm(root, { recursive: true, force: true }); });
    let n = 0;
    suite({
      name: 'sqlite',
      open: async () => openHistory((location = path.join(root, `h${++n}`, 'history.sqlite'))),
      lastLocation: () => location,
    });
  });
  describe('on PostgreSQL', function () {
    this.timeout(60000);
    let server: PostgresServer | undefined;
    let location = '';
    before(async () => { server = await startPostgres(); });
    after(async () => { await server?.stop(); });
    suite({
      name: 'postgres',
      open: async () => openHistory((location = await server!.createDatabase())),
      lastLocation: () => location,
    });
  });
}
