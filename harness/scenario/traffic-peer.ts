import { PassbenchError, errorMessage } from '../errors.ts';
import type { Host } from '../host/host.ts';
import { DEFAULT_STATE_DIR, type HostRunConfig } from '../config/scenario-config.ts';
import { LockError, withHostLock, type LockOwner } from './host-lock.ts';
import { stopLeftOneShotServers } from '../measure/iperf3.ts';

/*
 * The traffic peer of a host's measurements, where the iperf3 servers run and the pings go, is a
 * port of the host under test itself (outside the device's IOMMU group), another host of the run,
 * or a traffic peer (role: peer in the lab config) reached for nothing else, as real labs have
 * them: a traffic generator or a second server cabled back to back. Only the last is locked here.
 */

/** Where a peer's traffic lock lives: beside the run lock a host under test has there. */
export function trafficLockDir(peer: HostRunConfig): string {
  return `${peer.connection.journalDir ?? DEFAULT_STATE_DIR}/traffic.lock`;
}

/**
 * Holds the peer's traffic lock for `work`: two runs measuring against one peer would measure each
 * other. A lock whose owner is gone is taken over (nothing on a peer needs restoring), and the
 * one-shot iperf3 servers its run left listening are stopped: they hold the ports the next run needs.
 */
export async function withTrafficLock<T>(peer: Host, config: HostRunConfig, owner: LockOwner,
  o: { waitS: number; isAlive?: (pid: number, pidStart?: string) => boolean | Promise<boolean>; controller?: string; log: (line: string) => void },
  work: () => Promise<T>): Promise<T> {
  const dir = trafficLockDir(config);
  try {
    return await withHostLock(peer, config.name, dir, owner, { waitS: o.waitS, takeOverStale: true, isAlive: o.isAlive, controller: o.controller }, async (lock) => {
      if (lock.tookOver) {
        o.log(`took over the traffic lock of ${config.name} from a run that is gone; stopping the iperf3 servers it left`);
        await stopLeftOneShotServers(peer);
      }
      return work();
    });
  } catch (error) {
    if (!(error instanceof LockError)) throw error;
    throw new PassbenchError(`traffic peer ${config.name}: ${errorMessage(error)}`, {
      cause: error, remedy: `Another run is measuring against ${config.name}; run this one later, or remove ${dir} on ${config.name} if no run is.`,
    });
  }
}
