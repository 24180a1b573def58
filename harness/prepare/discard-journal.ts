import type { Host } from '../host/host.ts';
import { syncToDisk } from './durable.ts';
import path from 'node:path';

/**
 * `restore --discard-journal`: a journal that cannot be read (truncated by a crash) must not
 * block runs and restores for good. It is moved aside, never deleted: what it says stays there
 * for a person to read.
 */
export async function discardJournal(host: Host, file: string, now = new Date()): Promise<{ text: string; to: string } | undefined> {
  if (!(await host.exists(file))) return undefined;
  const text = await host.readFile(file);
  const to = `${file}.discarded-${now.toISOString().replace(/[:.]/g, '-')}`;
  await host.rename(file, to);
  await syncToDisk(host, [path.posix.dirname(file)]);
  return { text, to };
}
