import type { Check } from '../results/schema.ts';

/** One guest's path for the figures: how its traffic left it and what it measured against. */
export interface TrafficPath {
  host: string;
  mode: string;
  guest: string;
  /** The guest-network check: vfio-pci on the test wire, a tap in a bridge, or user-net (off the wire). */
  path: string;
  /** The peer check of the guest (VF pairs) or of its case. */
  peer: string;
}

export const TRAFFIC_PATH_HEADER = ['host', 'mode', 'guest', 'how its traffic leaves it', 'measured against'] as const;

/**
 * Each guest's path, from the run's checks: what a figure of that mode measured. A baseline off the
 * test wire (user-net) measures NAT through the host, and says so here.
 */
export function trafficPaths(checks: readonly Check[]): TrafficPath[] {
  const peerOf = (c: Check) => checks.find((p) => p.name === 'peer' && p.host === c.host && p.guest === c.guest)
    ?? checks.find((p) => p.name === 'peer' && p.host === c.host && p.mode === c.mode && p.guest === undefined);
  return checks.filter((c) => c.name === 'guest-network').map((c) => ({
    host: c.host, mode: c.mode ?? '–', guest: c.guest ?? '–', path: c.message ?? '', peer: peerOf(c)?.message ?? 'not measured',
  }));
}

export const trafficPathCells = (p: TrafficPath): string[] => [p.host, p.mode, p.guest, p.path, p.peer];
