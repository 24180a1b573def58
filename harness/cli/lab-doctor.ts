import { guestFiles, loadScenarioConfig, type HostRunConfig } from '../config/scenario-config.ts';
import { errorMessage, type PassbenchError } from '../errors.ts';
import type { Host } from '../host/host.ts';
import type { CheckResult } from '../doctor/checks.ts';
import { runDoctor, type DoctorReport } from '../doctor/run-doctor.ts';
import { gatherRunFacts, gradeRunFacts, type RunNeeds } from '../doctor/run-needs.ts';
import { checkPeer } from '../measure/peer-check.ts';
import { selectHosts } from '../scenario/plan.ts';
import { openHost } from './host-option.ts';

/**
 * `passbench doctor --lab FILE` without --host: the whole lab as a run of its config would use it.
 * Each host under test gets doctor's checks and what its selection needs (run-needs.ts); each
 * traffic peer is reached and checked for iperf3 and its address, and nothing more (never graded
 * as a passthrough host).
 */
export async function doctorLab(files: { lab: string; config?: string }): Promise<DoctorReport[]> {
  const config = await loadScenarioConfig(files);
  const reports: DoctorReport[] = [];
  const hosts = selectHosts(config, []);
  for (const h of hosts) {
    reports.push(await withHost(files.lab, h.name, async (host) => {
      const report = await runDoctor(host);
      const needs = runNeeds(h);
      return withChecks({ ...report, host: h.name }, gradeRunFacts(needs, await gatherRunFacts(host, needs)));
    }, (error) => unreachable(h.name, 'host', error)));
  }
  for (const [name, address] of peersOf(hosts)) {
    reports.push(await withHost(files.lab, name, async (host) => peerReport(name, [await peerCheck(host, name, address)]),
      (error) => unreachable(name, 'peer', error)));
  }
  return reports;
}

/** What the host's selection needs beyond passthrough: the baselines' bridges, vhost-net, the guest image's files. */
function runNeeds(h: HostRunConfig): RunNeeds {
  const bridged = h.devices.filter((d) => d.bridge !== undefined);
  const guest = h.guest;
  return {
    bridges: [...new Set(bridged.map((d) => d.bridge!))],
    vhost: bridged.some((d) => d.mode === 'virtio'),
    guestFiles: guest ? guestFiles(guest) : [],
    guestTool: guest?.qcow2 !== undefined ? 'qemu-img' : 'dropbearkey',
    ...(guest?.copyFrom ? { copyFrom: guest.copyFrom } : {}),
  };
}

/** Every peer a host under test names, with the address it must have (a host's own port included). */
function peersOf(hosts: readonly HostRunConfig[]): Map<string, string> {
  const peers = new Map<string, string>();
  for (const h of hosts) if (h.peer && h.devices.some((d) => !d.pairs)) peers.set(h.peer.host, h.peer.address);
  return peers;
}

async function peerCheck(host: Host, name: string, address: string): Promise<CheckResult> {
  const title = `Checking the peer ${name}: iperf3 and the address ${address}`;
  try {
    const facts = await checkPeer(host, name, address);
    return { id: 'peer', title, grade: 'PASS', detail: `${address} on ${facts.iface}; ${facts.iperf3}` };
  } catch (error) {
    return { id: 'peer', title, grade: 'FAIL', detail: errorMessage(error), remedy: (error as PassbenchError).remedy ?? `Check that ${name} runs commands over SSH and has iproute2's ip and iperf3.` };
  }
}

async function withHost(lab: string, name: string, work: (host: Host) => Promise<DoctorReport>, failed: (error: unknown) => DoctorReport): Promise<DoctorReport> {
  let host: Host;
  try {
    host = await openHost({ host: name, lab });
  } catch (error) {
    return failed(error);
  }
  try {
    return await work(host);
  } finally {
    await host.close();
  }
}

function withChecks(report: DoctorReport, checks: CheckResult[]): DoctorReport {
  const all = [...report.checks, ...checks];
  return { ...report, checks: all, fit: all.every((c) => c.grade !== 'FAIL') };
}

const peerReport = (name: string, checks: CheckResult[]): DoctorReport =>
  ({ host: name, role: 'peer', accelerator: 'tcg', checks, fit: checks.every((c) => c.grade !== 'FAIL') });

function unreachable(name: string, role: 'host' | 'peer', error: unknown): DoctorReport {
  const check: CheckResult = { id: 'reach', title: `Checking that ${name} answers SSH`, grade: 'FAIL', detail: errorMessage(error).split('\n')[0]!,
    remedy: (error as PassbenchError).remedy ?? 'Check its address, port, key and pinned host key in the lab config.' };
  return role === 'peer' ? peerReport(name, [check]) : { host: name, accelerator: 'tcg', checks: [check], fit: false };
}
