import { isIP } from 'node:net';
import { PassbenchError } from '../errors.ts';
import type { Host } from '../host/host.ts';
import type { ActiveInterface, ActiveReason } from './types.ts';

/** What `ip -j` says, reduced to the fields that decide whether an interface is in use. */
export interface NetFacts {
  defaultRoutes: { dev: string; family: 'ipv4' | 'ipv6' }[];
  addresses: { dev: string; address: string }[];
  /** `link`: the lower interface of a VLAN, macvlan or ipvlan (eth2 for eth2.100). */
  links: { name: string; master?: string; kind?: string; link?: string }[];
  /** The client address of the SSH session we came in on, and the interface that reaches it. */
  ssh?: { client: string; dev?: string };
}

/** A multipath route has no `dev` of its own: one per nexthop. */
interface IpRoute { dev?: string; nexthops?: { dev?: string }[] }
interface IpAddr { ifname?: string; addr_info?: { local?: string; scope?: string }[] }
interface IpLink { ifname?: string; master?: string; link?: string; linkinfo?: { info_kind?: string } }

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
  // Asked at once: each is a round trip to a remote host, and none depends on another.
  const [v4, v6, addrs, links, client] = await Promise.all([
    ipJson<IpRoute>(['route', 'show', 'default']),
    // A host without IPv6 answers this with an error; that just means no IPv6 default route.
    ipJson<IpRoute>(['-6', 'route', 'show', 'default']).catch(() => []),
    ipJson<IpAddr>(['addr', 'show']),
    ipJson<IpLink>(['-d', 'link', 'show']),
    sshClientAddress(host),
  ]);
  const facts: NetFacts = {
    defaultRoutes: [
      ...routeDevs(v4).map((dev) => ({ dev, family: 'ipv4' as const })),
      ...routeDevs(v6).map((dev) => ({ dev, family: 'ipv6' as const })),
    ],
    addresses: addrs.flatMap((a) =>
      (a.addr_info ?? [])
        // Loopback and link-local addresses say nothing about the interface being in use.
        .filter((i) => i.local && i.scope !== 'host' && i.scope !== 'link')
        .map((i) => ({ dev: a.ifname ?? '?', address: i.local! })),
    ),
    links: links.map((l) => ({ name: l.ifname ?? '?', master: l.master, kind: l.linkinfo?.info_kind, ...(l.link ? { link: l.link } : {}) })),
  };
  if (client) {
    // A link-local client (fe80::9%eth0) names its interface; `ip route get` cannot route it.
    const zone = /%(.+)$/.exec(client)?.[1];
    const route = zone ? [] : await ipJson<IpRoute>(['route', 'get', client]).catch(() => []);
    facts.ssh = { client, dev: zone ?? routeDevs(route)[0] };
  }
  return facts;
}

/** Each route's interface, or each nexthop's for a multipath route (`default nexthop via … dev eth0 nexthop …`). */
function routeDevs(routes: readonly IpRoute[]): string[] {
  return routes.flatMap((r) => (r.dev ? [r.dev] : (r.nexthops ?? []).flatMap((h) => (h.dev ? [h.dev] : []))));
}

/**
 * SSH_CONNECTION is `client-ip client-port server-ip server-port` in the environment of the
 * session's commands; asking the host's own shell gets it for a remote host too. The script is a
 * constant; nothing from input reaches it.
 */
async function sshClientAddress(host: Host): Promise<string | undefined> {
  const r = await host.run(['sh', '-c', 'printf %s "$SSH_CONNECTION"'], { allowFailure: true });
  const client = r.stdout.trim().split(/\s+/)[0] ?? '';
  // sshd writes a link-local client with its zone (fe80::9%eth0); the zone is an interface name.
  const [address = '', zone] = client.split('%');
  return isIP(address) && (zone === undefined || /^[A-Za-z0-9_.@-]{1,15}$/.test(zone)) ? client : undefined;
}

/** Interfaces whose traffic runs over the interface in their `link` (veth is left out: its link is a peer). */
const UPPER_KINDS = new Set(['vlan', 'macvlan', 'macvtap', 'ipvlan', 'ipvtap', 'vxlan']);

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
  // An upper in use makes its lower in use: the session over eth2.100 runs through eth2 (and, for a
  // VLAN on a bond, through bond0 and so its members). Repeated until nothing new, for stacks.
  for (let changed = true; changed;) {
    changed = false;
    for (const upper of facts.links) {
      if (!upper.link || !UPPER_KINDS.has(upper.kind ?? '') || !reasons.has(upper.name)) continue;
      if (reasons.get(upper.link)?.some((r) => r.kind === 'lower-of' && r.upper === upper.name)) continue;
      add(upper.link, { kind: 'lower-of', upper: upper.name, upperKind: upper.kind!, because: reasons.get(upper.name)! });
      changed = true;
    }
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
        case 'lower-of': return `under ${r.upperKind} ${r.upper} (${describeReasons(r.because)})`;
      }
    })
    .join(', ');
}
