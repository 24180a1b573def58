import type { HostRunConfig, ScenarioConfig } from '../config/scenario-config.ts';
import { HOST_NAME } from '../config/lab-config.ts';
import { caseDevices } from '../config/device-config.ts';
import { UsageError } from '../errors.ts';
import type { Case, GuestPlan } from './case-context.ts';
import type { Scenario } from './define-scenario.ts';

/**
 * Plan, then apply: the scenario × the config expanded into cases (host × device mode, with
 * their guests), checked without touching any host. The host-side checks (does the device exist,
 * is it in use, how many VFs can the PF make) follow in validate-host.ts, still read-only.
 */
export interface HostPlan {
  name: string;
  config: HostRunConfig;
  cases: Case[];
}

export interface Plan {
  scenario: Scenario;
  hosts: HostPlan[];
  /** How to reach each traffic peer the hosts name that is not itself a host of this run. */
  peers: Record<string, HostRunConfig>;
}

/** Every problem the plan found, one per line; nothing was touched. */
export class PlanError extends UsageError {
  constructor(readonly problems: string[]) {
    super(`the plan is not valid, nothing was touched:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      remedy: 'Fix the config (or the --host names) as each line says, then check with --dry-run.',
    });
  }
}

/** The hosts under test: every one in the config but the traffic peers (role: peer), or those named. */
export function selectHosts(config: ScenarioConfig, names: readonly string[]): HostRunConfig[] {
  const known = Object.keys(config.hosts).filter((n) => config.hosts[n]!.connection.role !== 'peer');
  if (names.length === 0) {
    if (known.length === 0) throw new UsageError(`no hosts under test in ${config.lab.source}`, { remedy: 'Add a host under hosts: (see `passbench lab up`); a host with role: peer only sends and receives traffic.' });
    return known.map((n) => config.hosts[n]!);
  }
  const bad = names.filter((n) => !HOST_NAME.test(n));
  if (bad.length) {
    throw new UsageError(`--host ${bad.map((b) => JSON.stringify(b)).join(', ')}: not a host name (lower-case letters, digits and "-")`, {
      remedy: `Use names from ${config.lab.source}: ${known.join(', ')}.`,
    });
  }
  const peers = names.filter((n) => config.hosts[n]?.connection.role === 'peer');
  if (peers.length) {
    throw new UsageError(`--host ${peers.join(', ')}: a traffic peer (role: peer in ${config.lab.source}) is never a host under test`, {
      remedy: `Name a host under test (${known.join(', ') || 'none in the config'}); it reaches the peer through its peer: { host: ${peers[0]}, address: … }.`,
    });
  }
  const missing = names.filter((n) => !config.hosts[n]);
  if (missing.length) {
    throw new UsageError(`--host ${missing.join(', ')}: no such host in ${config.lab.source}`, { remedy: `Use one of: ${known.join(', ') || '(none)'}.` });
  }
  if (new Set(names).size !== names.length) throw new UsageError(`--host lists a host twice: ${names.join(', ')}`);
  return names.map((n) => config.hosts[n]!);
}

export function expandPlan(scenario: Scenario, config: ScenarioConfig, hostNames: readonly string[] = []): Plan {
  const problems: string[] = [];
  const hosts = selectHosts(config, hostNames).map((h) => planHost(scenario, h, config, problems));
  if (problems.length) throw new PlanError(problems);
  const inRun = new Set(hosts.map((h) => h.name));
  const peers = Object.fromEntries(hosts.flatMap((h) => (h.config.peer && !inRun.has(h.config.peer.host) ? [[h.config.peer.host, config.hosts[h.config.peer.host]!]] : [])));
  return { scenario, hosts, peers };
}

function planHost(scenario: Scenario, host: HostRunConfig, config: ScenarioConfig, problems: string[]): HostPlan {
  const devices = host.devices.filter((d) => scenario.modes.includes(d.mode));
  if (devices.length === 0) {
    problems.push(`host ${host.name}: scenario ${scenario.name} tests ${scenario.modes.join(', ')}, but no such device is configured`
      + ` (add under hosts.${host.name}.devices, e.g. ${example(scenario.modes[0]!)})`);
  }
  if (devices.length && !host.guest) problems.push(`host ${host.name}: no guest image (set run.guest: { iso: /path/on/host.iso } or hosts.${host.name}.guest)`);
  if (scenario.steps.some((s) => s.id === 'measure') && devices.some((d) => !d.pairs)) {
    if (!host.peer) problems.push(`host ${host.name}: scenario ${scenario.name} measures, but no peer is set (hosts.${host.name}.peer or run.peer: { address: 10.0.3.10 })`);
    else if (!config.hosts[host.peer.host]) problems.push(`host ${host.name}: peer.host ${JSON.stringify(host.peer.host)} is not a host in ${config.lab.source}`);
  }
  const used = new Map<string, string>();
  const claim = (bdf: string, source: string) => {
    const first = used.get(bdf);
    if (first) problems.push(`host ${host.name}: ${bdf} is given to two guests (${first} and ${source}); a device can be in one guest only`);
    else used.set(bdf, source);
  };
  let nics = 0;
  let vfs = 0;
  const cases: Case[] = devices.map((device) => {
    const guests: GuestPlan[] = [];
    if (device.mode === 'nic') {
      for (const [i, bdf] of caseDevices(device).entries()) {
        claim(bdf, device.source);
        guests.push({ name: `nic${nics++}`, mode: 'nic', bdf, address: device.addresses[i] });
      }
    } else if (device.mode === 'vf') {
      claim(`VFs of ${device.pf}`, device.source);
      device.addresses.forEach((address, i) => {
        if (Number(address.split('/')[0]!.split('.')[3]) > 254 || Number(address.split('/')[0]!.split('.')[3]) === 0) {
          problems.push(`host ${host.name}: ${device.source}: VF guest ${i} would get ${address}; pick a firstAddress with room for ${device.count} guests`);
        }
        guests.push({ name: `vf${vfs++}`, mode: 'vf', vfIndex: i, address });
      });
    } else {
      claim(`the ${device.mode} baseline`, device.source);
      guests.push({ name: device.mode, mode: device.mode, ...(device.addresses[0] ? { address: device.addresses[0] } : {}) });
    }
    const stepIds = scenario.steps.filter((s) => !s.modes || s.modes.includes(device.mode)).map((s) => s.id);
    return { id: `${host.name}/${device.id}`, host: host.name, device, guests, stepIds };
  });
  return { name: host.name, config: host, cases };
}

function example(mode: string): string {
  if (mode === 'vf') return '{ mode: vf, pf: "0000:03:00.0", count: 2, model: "82599" }';
  if (mode === 'nic') return '{ mode: nic, bdf: "0000:03:00.0", model: "82599" }';
  return `{ mode: ${mode}, bridge: br-test, address: 10.0.3.41/24 }`;
}

/** For --dry-run: the plan as text. */
export function formatPlan(plan: Plan): string {
  const lines = [`scenario ${plan.scenario.name}: ${plan.scenario.description}`];
  for (const h of plan.hosts) {
    lines.push(`host ${h.name} (journal ${h.config.journalPath}, lock ${h.config.lockDir}):`);
    for (const c of h.cases) {
      const d = c.device;
      const what = d.mode === 'nic' ? `whole NIC ${d.bdf}${d.partner ? ` and ${d.partner} back to back` : ''}` : d.mode === 'vf' ? `${d.count} VF(s) of ${d.pf}`
        : `emulated ${d.mode === 'virtio' ? 'virtio-net' : 'e1000'} ${d.bridge ? `on the test wire (a tap in bridge ${d.bridge})` : 'on QEMU user-net (NAT through the host, off the test wire)'}`;
      lines.push(`  case ${c.id}: ${what}, expect ${d.expect.vendorDevice} on ${d.expect.driver} in the guest`);
      lines.push(`    guests: ${c.guests.map((g) => `${g.name}${g.address ? ` ${g.address}` : ''}`).join(', ')}`);
      if (d.pairs) lines.push(`    measured in pairs, ${d.mode === 'nic' ? 'port to port over their cable' : 'VF to VF through the NIC\'s switch'}: ${c.guests.flatMap((g, i) => (i % 2 === 0 && c.guests[i + 1] ? [`${g.name} against ${c.guests[i + 1]!.name}`] : [])).join(', ')}`);
      const titles = new Map(plan.scenario.steps.map((s) => [s.id, s.title]));
      lines.push(`    steps: ${c.stepIds.map((id, i) => `${i + 1}. ${titles.get(id)}`).join('; ')}`);
    }
    if (h.config.peer) {
      const kind = h.config.peer.host === h.name ? 'a port of this host' : plan.peers[h.config.peer.host] ? 'a traffic peer, not changed' : 'another host of this run';
      lines.push(`  peer: ${h.config.peer.address} on ${h.config.peer.host} (${kind})`);
    }
  }
  if (plan.scenario.compare) lines.push('then judge the night against earlier nights (run.baseline); a regression of a gating metric fails the run');
  lines.push('(dry run: no host was contacted)');
  return lines.join('\n');
}
