/**
 * The lab config: which lab hosts exist and how to reach them over SSH with a pinned host key.
 *
 * ```yaml
 * hosts:
 *   lab1:
 *     address: 10.0.0.5
 *     port: 22                      # default 22
 *     user: root                    # default root
 *     identityFile: ~/.ssh/passbench_ed25519
 *     hostKey: ssh-ed25519 AAAA…    # or knownHostsFile: ./known_hosts
 *     journalDir: /var/lib/passbench # optional
 *   gen1:                           # a traffic peer: sends and receives the test traffic
 *     role: peer                    # never bound, never doctor-graded, never a host under test
 *     address: 10.0.0.6
 *     identityFile: ~/.ssh/passbench_ed25519
 *     hostKey: ssh-ed25519 AAAA…
 * ```
 * Relative paths are relative to the config file; `~/` is the user's home.
 */
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { UsageError, errorMessage } from '../errors.ts';
import { parsePublicKey } from '../host/ssh-keys.ts';
import { hostPathProblem } from '../host/host-path.ts';
import { readConfigFile } from './read-config-file.ts';

export const HOST_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
// A DNS name, an IPv4 address or an IPv6 address: nothing that could smuggle options into ssh or a URL.
const ADDRESS = /^([A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$/;
const USER = /^[a-z_][a-z0-9_.-]{0,31}$/;

/** A type error that says what was expected, and what was found unless the field is missing. */
function expected(what: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? `missing: expected ${what}` : `expected ${what}, got ${JSON.stringify(issue.input)}`);
}

const LabHostSchema = z.strictObject({
  address: z.string({ error: expected('a host name or IP address') })
    .regex(ADDRESS, { error: (issue) => `expected a host name, an IPv4 or an IPv6 address (no scheme, user or port), got ${JSON.stringify(issue.input)}` }),
  port: z.number({ error: expected('a port number 1-65535') }).int({ error: expected('a port number 1-65535') })
    .min(1, { error: expected('a port number 1-65535') }).max(65535, { error: expected('a port number 1-65535') }).default(22),
  user: z.string({ error: expected('a user name') }).regex(USER, { error: expected('a Unix user name like root or lab') }).default('root'),
  identityFile: z.string({ error: expected('the path of a private key file (key authentication only)') })
    .min(1, { error: 'expected the path of a private key file' }),
  hostKey: z.string({ error: expected('an OpenSSH public key line "ssh-ed25519 AAAA…"') }).superRefine((line, ctx) => {
    try {
      parsePublicKey(line);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: errorMessage(error).replace(/^public key: /, '') });
    }
  }).optional(),
  knownHostsFile: z.string({ error: expected('the path of a known_hosts file') }).min(1).optional(),
  journalDir: z.string({ error: expected('an absolute folder path on the lab host') }).superRefine((dir, ctx) => {
    const problem = hostPathProblem(dir, 'folder');
    if (problem) ctx.addIssue({ code: 'custom', message: `expected an absolute folder path on the lab host, got ${JSON.stringify(dir)}: ${problem}` });
  }).transform((dir) => dir.replace(/\/+$/, '')).optional(),
  /**
   * test (default): a host under test. peer: a traffic peer only (iperf3 servers, ping target): a
   * run reaches it over SSH, checks its tools and address, holds its traffic lock while it measures,
   * and changes nothing else there; no host command (bind, sriov, restore, run --host) acts on it.
   */
  role: z.enum(['test', 'peer'], { error: (issue) => `expected test (a host under test) or peer (a traffic peer only), got ${JSON.stringify(issue.input)}` }).default('test'),
}).superRefine((host, ctx) => {
  // The host key is pinned, never learned: exactly one source for it.
  if ((host.hostKey === undefined) === (host.knownHostsFile === undefined)) {
    ctx.addIssue({
      code: 'custom', path: ['hostKey'],
      message: host.hostKey === undefined
        ? 'give hostKey (the line of the host\'s /etc/ssh/ssh_host_ed25519_key.pub) or knownHostsFile; the host key is always pinned'
        : 'give hostKey or knownHostsFile, not both',
    });
  }
});

// Loose at the top: other sections (written by `lab up`, read by other commands) may sit beside hosts.
export const LabConfigSchema = z.looseObject({
  hosts: z.record(
    z.string().regex(HOST_NAME),
    LabHostSchema,
    {
      error: (issue) => issue.code === 'invalid_key'
        ? `host name ${JSON.stringify(issue.input)} is not valid: use lower-case letters, digits and "-" (at most 63, not starting with "-")`
        : 'expected a map of host names to hosts',
    },
  ),
});

export type LabHost = z.output<typeof LabHostSchema>;
export type LabConfig = z.output<typeof LabConfigSchema> & { /** The file it came from. */ source: string };

/** Parses and validates the YAML text; `baseDir` anchors relative paths. */
export function parseLabConfig(text: string, source: string, baseDir = path.dirname(path.resolve(source))): LabConfig {
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (error) {
    throw new UsageError(`lab config ${source}: not valid YAML: ${errorMessage(error)}`, { cause: error, remedy: 'Fix the YAML syntax at the line named.' });
  }
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new UsageError(`lab config ${source}: expected a map with hosts:, got ${Array.isArray(raw) ? 'a list' : JSON.stringify(raw)}`, {
      remedy: 'Start the file with hosts: and one entry per lab host (see harness/config/lab-config.ts).',
    });
  }
  const parsed = LabConfigSchema.safeParse(withoutSelection(raw ?? {}));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${formatPath(issue.path)}: ${describeIssue(issue)}`);
    throw new UsageError(`lab config ${source} is not valid:\n${problems.join('\n')}`, {
      remedy: 'Fix the fields named above; see harness/config/lab-config.ts for an example.',
    });
  }
  const hosts = Object.fromEntries(Object.entries(parsed.data.hosts).map(([name, host]) => [name, {
    ...host,
    identityFile: resolveLocalPath(host.identityFile, baseDir),
    knownHostsFile: host.knownHostsFile === undefined ? undefined : resolveLocalPath(host.knownHostsFile, baseDir),
  }]));
  return { ...parsed.data, hosts, source };
}

export async function loadLabConfig(file: string): Promise<LabConfig> {
  const text = await readConfigFile(file, 'lab config', 'Give --lab the path of a lab config YAML file (`passbench lab up` writes one).');
  return parseLabConfig(text, file);
}

/** The named host, or a UsageError listing the names there are. */
export function labHost(config: LabConfig, name: string): LabHost {
  if (!HOST_NAME.test(name)) throw new UsageError(`host name ${JSON.stringify(name)} is not valid: use lower-case letters, digits and "-"`);
  const host = config.hosts[name];
  if (!host) {
    const names = Object.keys(config.hosts);
    throw new UsageError(`no host ${JSON.stringify(name)} in lab config ${config.source}`, {
      remedy: names.length ? `Use one of: ${names.join(', ')}.` : `Add it under hosts: in ${config.source}.`,
    });
  }
  return host;
}

/**
 * What a run tests on each host (devices, peer, guest) sits in the same host entries; it is
 * validated by harness/config/scenario-config.ts, so the connection schema here leaves it out.
 */
export const HOST_SELECTION_KEYS: readonly string[] = ['devices', 'peer', 'guest'];

function withoutSelection(raw: unknown): unknown {
  const hosts = (raw as { hosts?: unknown } | null)?.hosts;
  if (!hosts || typeof hosts !== 'object' || Array.isArray(hosts)) return raw;
  const stripped = Object.fromEntries(Object.entries(hosts).map(([name, entry]) => [name,
    entry && typeof entry === 'object' && !Array.isArray(entry)
      ? Object.fromEntries(Object.entries(entry).filter(([key]) => !HOST_SELECTION_KEYS.includes(key)))
      : entry]));
  return { ...(raw as object), hosts: stripped };
}

/** A path on the controller, as a config gives it: relative to the config's folder; `~/` is the user's home. */
export function resolveLocalPath(file: string, baseDir: string): string {
  if (file === '~' || file.startsWith('~/')) return path.join(os.homedir(), file.slice(1));
  return path.resolve(baseDir, file);
}

function formatPath(parts: readonly PropertyKey[]): string {
  return parts.length ? parts.map(String).join('.') : '(top level)';
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`
      + ` (allowed: ${Object.keys(LabHostSchema.shape).join(', ')})`;
  }
  return issue.message;
}
