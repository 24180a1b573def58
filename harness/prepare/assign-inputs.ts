import type { Host } from '../host/host.ts';
import { findActiveInterfaces } from '../pci/active-interfaces.ts';
import type { Bdf } from '../pci/bdf.ts';
import { findHostDependencies, type HostDependencies } from '../pci/host-dependencies.ts';
import type { ActiveInterface } from '../pci/types.ts';
import { readDeviceFacts, type DeviceFacts } from './device-facts.ts';

/** Which interfaces the host uses; harness/pci's findActiveInterfaces unless a test gives one. */
export type ActiveInterfaceProbe = (host: Host) => Promise<ActiveInterface[]>;

/**
 * What planAssignGroup decides from, read once and read-only: `bind`, `run`'s validation and
 * `doctor --device` read it the same way, so the three give the same verdict.
 */
export interface AssignInputs {
  facts: Map<Bdf, DeviceFacts>;
  active: ActiveInterface[];
  dependencies: HostDependencies;
}

/** Reads a device and every member of its group into `facts` (once each). Throws for an unknown address. */
export async function readGroupFacts(host: Host, bdf: Bdf, facts: Map<Bdf, DeviceFacts>): Promise<DeviceFacts> {
  const dev = facts.get(bdf) ?? await readDeviceFacts(host, bdf);
  facts.set(bdf, dev);
  for (const m of dev.groupMembers) if (!facts.has(m)) facts.set(m, await readDeviceFacts(host, m));
  return dev;
}

/** The host's side, for devices already in `facts`: interfaces in use and what its storage, console and input sit on. */
export async function readHostUse(host: Host, facts: ReadonlyMap<Bdf, DeviceFacts>, probe: ActiveInterfaceProbe = findActiveInterfaces): Promise<Omit<AssignInputs, 'facts'>> {
  const needsActive = [...facts.values()].some((f) => f.netInterfaces.length > 0);
  return {
    active: needsActive ? await probe(host) : [],
    dependencies: await findHostDependencies(host, [...facts.keys()]),
  };
}

export async function readAssignInputs(host: Host, requested: readonly Bdf[], probe?: ActiveInterfaceProbe): Promise<AssignInputs> {
  const facts = new Map<Bdf, DeviceFacts>();
  for (const bdf of requested) await readGroupFacts(host, bdf, facts);
  return { facts, ...(await readHostUse(host, facts, probe)) };
}
