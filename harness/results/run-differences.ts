/**
 * What changed between two runs, from their metadata: the facts that can move a figure (kernel,
 * QEMU, guest image, harness version, scenario and lab config hash, the NIC's driver, firmware,
 * link speed and MTU, the CPU …). Only the facts that differ are named. Host facts are those of the series' host.
 */
import type { HostMeta, RunMeta } from './schema.ts';

export interface Difference {
  before: string;
  after: string;
}

export type Differences = Record<string, Difference>;

type Fact = (meta: RunMeta, host: HostMeta | undefined) => string | undefined;

/** Name → how to read it; the order is the order they are shown in. */
const FACTS: readonly (readonly [string, Fact])[] = [
  ['kernel', (_, h) => h?.kernel],
  ['kernelCmdline', (_, h) => h?.kernelCmdline],
  ['qemu', (_, h) => h?.qemu],
  ['accel', (_, h) => h?.accel],
  ['guestImage', (m) => m.guestImage],
  ['harnessVersion', (m) => m.harnessVersion],
  ['configHash', (m) => m.scenarioHash],
  ['nicModel', (_, h) => h?.nic?.model],
  ['nicDriver', (_, h) => h?.nic?.driver],
  ['nicDriverVersion', (_, h) => h?.nic?.driverVersion],
  ['nicFirmware', (_, h) => h?.nic?.firmware],
  ['nicLinkSpeed', (_, h) => (h?.nic?.linkSpeedMbps === undefined ? undefined : `${h.nic.linkSpeedMbps} Mbit/s`)],
  ['nicMtu', (_, h) => h?.nic?.mtu?.toString()],
  ['cpuModel', (_, h) => h?.cpuModel],
];

/** A fact the run did not record (a host without a NIC, the host missing) reads as this. */
const NONE = '(none)';

/** Every recorded fact of a run about one host, by name (a fact it did not record is "(none)"). */
export function runFacts(meta: RunMeta, hostName: string): Record<string, string> {
  const host = meta.hosts.find((h) => h.name === hostName);
  return Object.fromEntries(FACTS.map(([name, read]) => [name, read(meta, host) ?? NONE]));
}

export function runDifferences(before: RunMeta, after: RunMeta, hostName: string): Differences {
  const was = runFacts(before, hostName);
  const is = runFacts(after, hostName);
  const differences: Differences = {};
  for (const [name] of FACTS) {
    if (was[name] !== is[name]) differences[name] = { before: was[name]!, after: is[name]! };
  }
  return differences;
}
