import path from 'node:path';
import type { Command } from 'commander';
import { loadLabConfig } from '../config/lab-config.ts';
import { DEFAULT_STATE_DIR } from '../config/scenario-config.ts';
import { PassbenchError, UsageError } from '../errors.ts';
import type { Host } from '../host/host.ts';
import { checkJournalPath } from '../prepare/journal.ts';
import { restoreCommand } from '../prepare/restore-command.ts';
import { describeOwner, lockOwner, withHostLock, type HostLock, type LockOwner } from '../scenario/host-lock.ts';
import { parseSshUrl, type HostOptions } from './host-option.ts';
import { printLine } from './output.ts';

/**
 * Where a host command keeps its state on the lab host, the same place `run` uses: the lab
 * config's journalDir for the host (by name, or an ssh:// URL matching an entry), else
 * /var/lib/passbench. The journal (unless --journal says otherwise) and the one host-wide lock
 * live there, and the restore command printed in remedies names all of it.
 */
export interface HostState {
  stateDir: string;
  journalPath: string;
  lockDir: string;
  /** The host's name in messages. */
  hostName: string;
  /** `passbench restore …` that reaches this host and journal. */
  restore: string;
  /** --wait, checked with the rest before the host is opened. */
  waitS: number;
}

export interface LockCliOptions extends HostOptions {
  journal?: string;
  wait?: string;
}

/** --wait SECONDS for every host-changing command. */
export function addWaitOption(command: Command): Command {
  return command.option('--wait <seconds>', 'if another passbench holds the host, wait this long for it (default: refuse at once, exit 3)');
}

export async function resolveHostState(options: LockCliOptions): Promise<HostState> {
  const stateDir = await stateDirOf(options);
  const journalPath = checkJournalPath(options.journal ?? `${stateDir}/journal.json`);
  const labFile = options.lab && options.host ? path.resolve(options.lab) : undefined;
  return {
    stateDir, journalPath, lockDir: `${stateDir}/run.lock`, hostName: options.host || 'this machine',
    restore: restoreCommand({ host: options.host, labFile, journalPath, identity: options.identity && path.resolve(options.identity) }),
    waitS: parseWait(options.wait),
  };
}

export function parseWait(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^\d{1,6}$/.test(text)) {
    throw new UsageError(`--wait ${JSON.stringify(text)} is not a number of seconds`, { remedy: 'Give --wait a whole number of seconds, such as 600.' });
  }
  return Number(text);
}

/**
 * Runs a host-changing command holding the host's lock (what `run` takes). `restore` takes over
 * a stale one and says so.
 */
export async function withCommandLock<T>(
  host: Host, state: HostState, command: string, work: (lock: HostLock) => Promise<T>,
  o: { takeOverStale?: boolean } = {},
): Promise<T> {
  const owner: LockOwner = await lockOwner(command);
  return withHostLock(host, state.hostName, state.lockDir, owner, {
    waitS: state.waitS, takeOverStale: o.takeOverStale, restoreCommand: state.restore,
    onTakeOver: (stale) => printLine(`Took over the stale lock ${state.lockDir}: ${stale ? `its owner ${describeOwner(stale)} is gone` : 'it named no owner (a passbench died while taking it)'}.`),
  }, async (lock) => {
    try {
      return await work(lock);
    } catch (error) {
      completeRestoreRemedy(error, state.restore);
      throw error;
    }
  });
}

/**
 * The layers below know no host or lab config, so their remedies say `passbench restore` bare;
 * for the user it must work when pasted: it becomes this host's complete command.
 */
export function completeRestoreRemedy(error: unknown, restore: string): void {
  if (!(error instanceof PassbenchError) || !error.remedy?.includes('`passbench restore`')) return;
  Object.defineProperty(error, 'remedy', { value: error.remedy.replaceAll('`passbench restore`', `\`${restore}\``) });
}

async function stateDirOf(options: HostOptions): Promise<string> {
  if (!options.host || !options.lab) return DEFAULT_STATE_DIR;
  const config = await loadLabConfig(options.lab);
  if (options.host.startsWith('ssh://')) {
    const { address, port } = parseSshUrl(options.host);
    return Object.values(config.hosts).find((h) => h.address === address && h.port === port)?.journalDir ?? DEFAULT_STATE_DIR;
  }
  return config.hosts[options.host]?.journalDir ?? DEFAULT_STATE_DIR;
}
