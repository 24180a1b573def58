import { shellJoin } from '../host/shell-quote.ts';
import { DEFAULT_JOURNAL_PATH } from './journal.ts';

/**
 * The `passbench restore` command line for a host, as printed in remedies: complete, so that it
 * works when pasted (the lab config that names the host, the journal when it is not the default,
 * the identity file when one was given), and quoted for a POSIX shell.
 */
export interface RestoreTarget {
  /** A lab config host name or an ssh:// URL; none: this machine. */
  host?: string;
  /** The lab config file (absolute, so the command works from any folder). */
  labFile?: string;
  journalPath?: string;
  identity?: string;
}

export function restoreCommand(target: RestoreTarget, extra: readonly string[] = []): string {
  const argv = ['passbench', 'restore'];
  if (target.host) argv.push('--host', target.host);
  if (target.labFile) argv.push('--lab', target.labFile);
  if (target.identity) argv.push('--identity', target.identity);
  if (target.journalPath && target.journalPath !== DEFAULT_JOURNAL_PATH) argv.push('--journal', target.journalPath);
  return shellJoin([...argv, ...extra]);
}
