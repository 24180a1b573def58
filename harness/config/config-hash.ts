/**
 * The hash a run records of what it was told to do (RunMeta.scenarioHash, shown as configHash when
 * it changes between nights): the scenario's code and the config's content that decides what is
 * measured (run settings; each host's devices, peer and guest image), not how the hosts are
 * reached. A virtual lab writes a new lab config every `lab up` (its SSH port and host key), and a
 * lab's addresses or keys can change without changing a figure; neither is a change to report.
 */
import { createHash } from 'node:crypto';
import type { ScenarioConfig } from './scenario-config.ts';

export function configHash(scenarioHash: string, config: ScenarioConfig): string {
  const hosts = Object.fromEntries(Object.entries(config.hosts).map(([name, h]) => [name, { devices: h.devices, peer: h.peer, guest: h.guest }]));
  return createHash('sha256').update(scenarioHash).update(JSON.stringify({ run: config.run, hosts })).digest('hex');
}
