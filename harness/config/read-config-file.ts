import fs from 'node:fs/promises';
import { UsageError, fileErrorWords } from '../errors.ts';

/** Far above any lab or selection config; a bigger "config" is some other file. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * The text of a config file named on the command line. Only a regular file of a sane size is
 * read: a folder, a device (/dev/zero would be read until memory runs out) or a huge file is
 * refused with what was given, before reading.
 */
export async function readConfigFile(file: string, what: string, remedy: string): Promise<string> {
  const refuse = (why: string, cause?: unknown) => new UsageError(`cannot read ${what} ${file}: ${why}`, { cause, remedy });
  const stat = await fs.stat(file).catch((error: unknown) => { throw refuse(fileErrorWords(error), error); });
  if (stat.isDirectory()) throw refuse('it is a folder, not a file');
  if (!stat.isFile()) throw refuse('it is not a regular file (a device, a pipe or a socket)');
  if (stat.size > MAX_CONFIG_BYTES) throw refuse(`it is ${stat.size} bytes; a config is at most ${MAX_CONFIG_BYTES}`);
  return fs.readFile(file, 'utf8').catch((error: unknown) => { throw refuse(fileErrorWords(error), error); });
}
