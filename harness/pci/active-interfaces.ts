import { isIP } from 'node:net';
import { PassbenchError } from '../errors.ts';
import type { Host } from '../host/host.ts';
import type { ActiveInterface, ActiveReason } from './types.ts';

/** What `ip -j` says, reduced to the fields that decide whether an interface is in use. */
export interface NetFacts {
  defaultRoutes: { dev: string; family: 'ipv4' | 'ipv6' }[];
  addresses: { dev: string; address: string }[];
  links: { name: string; master?: string; kind?: string }[];
  /** The client address of the SSH session we came in on, and the interface that reaches it. */
  ssh?: { client: string; dev?: string };
}

interface IpRoute { dev?: string }
interface IpAddr { ifname?: string; addr_info?: { local?: string; scope?: string }[] }
interface IpLink { ifname?: string; master?: string; linkinfo?: { info_kind?: string } }

/** Reads routes, addresses, links and the SSH session on the host, then decides. */
export async function findActiveInterfaces(host: Host): Promise<ActiveInterface[]> {
  return decideActiveInterfaces(await gatherNetFacts(host));
}

export async function gatherNetFacts(host: Host): Promise<NetFacts> {
  const ipJson = async <T>(argv: string[]): Promise<T[]> => {
    const r = await host.run(['ip', '-j', ...argv]);
    if (!r.stdout.trim()) return [];
    try {
      return JSON.parse(r.stdout) as T[];
    } catch (error) {
      throw new PassbenchError(`on ${host.name}: \`ip -j ${argv.join(' ')}\` did not print JSON: ${r.stdout.slice(0, 80)}`, {
        cause: error,
        remedy: 'Install iproute2 4.13 or newer (it added -j) on that host.',
      });
    }
  };
  const v4 = await ipJson<IpRoute>(['route', 'show', 'default']);
  // A host without IPv6 answers this with an error; that just means no IPv6 default route.
  const v6 = await ipJson<IpRoute>(['-6', 'route', 'show', 'default']).catch(() => []);
  const addrs = await ipJson<IpAddr>(['addr', 'show']);
  const links = await ipJson<IpLink>(['-d', 'link', 'show']);
  const facts: NetFacts = {
    defaultRoutes: [
      ...v4.flatMap((r) => (r.dev ? [{ dev: r.dev, family: 'ipv4' as const }] : [])),
      ...v6.flatMap((r) => (r.dev ? [{ dev: r.dev, family: 'ipv6' as const }] : [])),
    ],
    addresses: addrs.flatMap((a) =>
      (a.addr_info ?? [])
        // Loopback and link-local addresses say nothing about the interface being in use.
        .filter((i) => i.local && i.scope !== 'host' && i.scope !== 'link')
        .map((i) => ({ dev: a.ifname ?? '?', address: i.local! })),
    ),
    links: links.map((l) => ({ name: l.ifname ?? '?', master: l.master, kind: l.linkinfo?.info_kind })),
  };
  const client = await sshClientAddress(host);
  if (client) {
    const route = await ipJson<IpRoute>(['route', 'get', client]).catch(() => []);
    facts.ssh = { client, dev: route[0]?.dev };
  }
  return facts;
}

/**
 * SSH_CONNECTION is `client-ip client-port server-ip server-port` in the environment of the
 * session's commands; asking the host's own shell gets it for a remote host too. The script is a
 * constant; nothing from input reaches it.
 */
async function sshClientAddress(host: Host): Promise<string | undefined> {
  const r = await host.run(['sh', '-c', 'printf %s "$SSH_CONNECTION"'], { allowFailure: true });
  const client = r.stdout.trim().split(/\s+/)[0] ?? '';
  return isIP(client) ? client : undefined;
}

/** Pure: which interfaces must not be taken from the host, and why. */
export function decideActiveInterfaces(facts: NetFacts): ActiveInterface[] {
  const reasons = new Map<string, ActiveReason[]>();
  const add = (name: string, reason: ActiveReason) => reasons.set(name, [...(reasons.get(name) ?? []), reason]);
  for (const r of facts.defaultRoutes) add(r.dev, { kind: 'default-route', family: r.family });
  for (const a of facts.addresses) if (a.dev !== 'lo') add(a.dev, { kind: 'address', address: a.address });
  if (facts.ssh?.dev) add(facts.ssh.dev, { kind: 'ssh-session', address: facts.ssh.client });
  const kinds = new Map(facts.links.map((l) => [l.name, l.kind]));
  for (const link of facts.links) {
    if (!link.master) continue;
    const kind = kinds.get(link.master);
    const masterKind = kind === 'bond' || kind === 'bridge' || kind === 'team' ? kind : 'other';
    add(link.name, { kind: 'member-of', master: link.master, masterKind });
  }
  return [...reasons.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, r]) => ({ name, reasons: r }));
}

/** One line for people: `default route (ipv4), address 10.0.0.5`. */
export function describeReasons(reasons: readonly ActiveReason[]): string {
  return reasons
    .map((r) => {
      switch (r.kind) {
        case 'default-route': return `default route (${r.family})`;
        case 'address': return `address ${r.address}`;
        case 'ssh-session': return `carries the SSH session from ${r.address}`;
        case 'member-of': return `member of ${r.masterKind} ${r.master}`;
      }
    })
    .join(', ');
}
