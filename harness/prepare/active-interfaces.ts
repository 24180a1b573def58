import type { Host } from '../host/host.ts';
import type { ActiveInterface, ActiveReason } from '../pci/types.ts';

/**
 * Which interfaces the host is using (default route, global address, bond/bridge member), read with
 * `ip -j`. A private stand-in until harness/pci's findActiveInterfaces lands. The SSH session's
 * interface is covered by its address; a dedicated ssh-session check is left to that module.
 */
export type ActiveInterfaceProbe = (host: Host) => Promise<ActiveInterface[]>;

interface IpAddr { ifname: string; master?: string; addr_info?: { local: string; scope?: string }[] }
interface IpRoute { dev?: string }

export const probeActiveInterfaces: ActiveInterfaceProbe = async (host) => {
  const reasons = new Map<string, ActiveReason[]>();
  const add = (name: string, reason: ActiveReason) => reasons.set(name, [...(reasons.get(name) ?? []), reason]);
  for (const family of ['ipv4', 'ipv6'] as const) {
    const routes = await ipJson<IpRoute>(host, [family === 'ipv4' ? '-4' : '-6', 'route', 'show', 'default']);
    for (const r of routes) if (r.dev) add(r.dev, { kind: 'default-route', family });
  }
  const links = await ipJson<IpAddr>(host, ['-d', 'addr', 'show']);
  for (const link of links) {
    for (const a of link.addr_info ?? []) if (a.scope === 'global') add(link.ifname, { kind: 'address', address: a.local });
    if (link.master) add(link.ifname, { kind: 'member-of', master: link.master, masterKind: 'other' });
  }
  return [...reasons].map(([name, r]) => ({ name, reasons: r }));
};

async function ipJson<T>(host: Host, args: string[]): Promise<T[]> {
  const result = await host.run(['ip', '-j', ...args]);
  return result.stdout.trim() ? (JSON.parse(result.stdout) as T[]) : [];
}
