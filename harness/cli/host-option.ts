import type { Command } from 'commander';
import type { Host } from '../host/host.ts';
import { LocalHost } from '../host/local-host.ts';

export interface HostOptions {
  host?: string;
  lab?: string;
}

/** The options every host command shares. */
export function addHostOptions(command: Command): Command {
  return command
    .option('--host <host>', 'lab host: a name from --lab FILE, or ssh://user@address:port (default: this machine)')
    .option('--lab <file>', 'lab config file (as written by `passbench lab up`)');
}

/** Opens the host the options name. TODO(ssh): --host / --lab resolve to an SshHost. */
export async function openHost(_options: HostOptions): Promise<Host> {
  return new LocalHost();
}
