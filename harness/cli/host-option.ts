import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { HOST_NAME, labHost, loadLabConfig, type LabConfig, type LabHost } from '../config/lab-config.ts';
import { UsageError } from '../errors.ts';
import type { Host } from '../host/host.ts';
import { LocalHost } from '../host/local-host.ts';
import { SshHost, type SshHostOptions } from '../host/ssh-host.ts';
import { knownHostsName } from '../host/ssh-keys.ts';

export interface HostOptions {
  host?: string;
  lab?: string;
  /** Private key for `--host ssh://…` (default: the lab config's, else ~/.ssh/id_ed25519). */
  identity?: string;
}

/** Where the user's own SSH files are; tests point it elsewhere. */
export interface HostEnvironment {
  home?: string;
  local?: Host;
}

/** The options every host command shares. */
export function addHostOptions(command: Command): Command {
  return command
    .option('--host <host>', 'lab host: a name from --lab FILE, or ssh://user@address:port (default: this machine)', checkHostValue)
    .option('--lab <file>', 'lab config file (as written by `passbench lab up`)')
    .option('--identity <file>', 'private key for --host ssh://… (default: from --lab, else ~/.ssh/id_ed25519)');
}

/**
 * --host as given. Only a missing --host means this machine: an empty or blank one (an unset
 * variable in `--host "$LAB"`) would otherwise quietly turn a lab command on the controller itself.
 */
export function checkHostValue(value: string): string {
  if (value.trim() === '') {
    throw new UsageError(`--host ${JSON.stringify(value)} is empty: expected a lab host name or ssh://user@address:port`, {
      remedy: 'Give the host (--host lab1 --lab lab.yaml, or --host ssh://root@10.0.0.5:22); leave --host out to work on this machine. '
        + 'In a script, check that the variable passed to --host is set.',
    });
  }
  return value;
}

/**
 * Opens the host the options name: this machine without --host; a lab config entry for a name;
 * for an ssh:// URL, a host whose key is pinned by the lab config or ~/.ssh/known_hosts (never learned).
 */
export async function openHost(options: HostOptions, env: HostEnvironment = {}): Promise<Host> {
  if (options.host === undefined) return new LocalHost();
  checkHostValue(options.host);
  const config = options.lab ? await loadLabConfig(options.lab) : undefined;
  if (options.host.startsWith('ssh://')) return SshHost.connect(await sshUrlOptions(options.host, config, options.identity, env));
  if (!HOST_NAME.test(options.host)) {
    throw new UsageError(`--host ${JSON.stringify(options.host)} is neither a host name nor an ssh:// URL`, {
      remedy: 'Give a name from the lab config (--host lab1 --lab lab.yaml) or --host ssh://root@10.0.0.5:22.',
    });
  }
  if (!config) {
    throw new UsageError(`--host ${options.host} names a lab host, but no --lab FILE says where it is`, {
      remedy: `Add --lab <file>, or give the address: --host ssh://root@ADDRESS:22.`,
    });
  }
  return SshHost.connect(labHostOptions(labHost(config, options.host), options.identity));
}

function labHostOptions(host: LabHost, identity?: string): SshHostOptions {
  return {
    address: host.address, port: host.port, user: host.user, identityFile: identity ?? host.identityFile,
    hostKey: host.hostKey, knownHostsFile: host.knownHostsFile,
  };
}

async function sshUrlOptions(url: string, config: LabConfig | undefined, identity: string | undefined, env: HostEnvironment): Promise<SshHostOptions> {
  const { address, port, user } = parseSshUrl(url);
  const home = env.home ?? os.homedir();
  const fromLab = config && Object.values(config.hosts).find((h) => h.address === address && h.port === port);
  if (fromLab) return { ...labHostOptions(fromLab, identity), user };
  const identityFile = identity ?? path.join(home, '.ssh', 'id_ed25519');
  const hostKey = await knownHostKeys(env.local ?? new LocalHost(), path.join(home, '.ssh', 'known_hosts'), address, port);
  if (hostKey.length) return { address, port, user, identityFile, hostKey };
  const name = knownHostsName(address, port);
  throw new UsageError(`no pinned host key for ${url}: passbench never accepts an unknown host key`, {
    remedy: `Pin it one of two ways. (1) In a lab config given with --lab, under hosts: set address: ${address}, port: ${port} and `
      + 'hostKey: the line of /etc/ssh/ssh_host_ed25519_key.pub on that host. (2) In ~/.ssh/known_hosts: run '
      + `\`ssh-keyscan -p ${port} -t ed25519 ${address}\`, compare its fingerprint (ssh-keygen -lf -) with `
      + `\`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\` run on the host's console, then append the line as "${name} ssh-ed25519 AAAA…".`,
  });
}

export function parseSshUrl(url: string): { address: string; port: number; user: string } {
  const bad = (why: string) => new UsageError(`--host ${JSON.stringify(url)}: ${why}`, { remedy: 'Write it as ssh://user@address:port, e.g. ssh://root@10.0.0.5:22.' });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad('not a valid URL');
  }
  if (parsed.password) throw bad('passwords are not used: authentication is by key only (--identity)');
  if ((parsed.pathname && parsed.pathname !== '/') || parsed.search || parsed.hash) throw bad('a host URL has no path, query or fragment');
  const address = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!/^[A-Za-z0-9.:-]+$/.test(address)) throw bad('expected a host name or IP address');
  const user = decodeURIComponent(parsed.username || 'root');
  if (!/^[a-z_][a-z0-9_.-]{0,31}$/.test(user)) throw bad(`${JSON.stringify(user)} is not a Unix user name`);
  const port = parsed.port ? Number(parsed.port) : 22;
  // URL takes ":0" (and nothing above 65535), but no SSH server listens on port 0.
  if (!(port >= 1 && port <= 65535)) throw bad(`port ${parsed.port}: expected 1-65535`);
  return { address, port, user };
}

/** The keys ~/.ssh/known_hosts holds for the address, found by `ssh-keygen -F` (it understands hashed entries). */
async function knownHostKeys(local: Host, file: string, address: string, port: number): Promise<string[]> {
  if (!(await local.exists(file))) return [];
  const found = await local.run(['ssh-keygen', '-F', knownHostsName(address, port), '-f', file], { allowFailure: true });
  if (found.exitCode !== 0) return [];
  return found.stdout.split('\n')
    .filter((line) => line.trim() && !line.startsWith('#') && !line.startsWith('@'))
    .map((line) => line.trim().split(/\s+/).slice(1).join(' '));
}
