import { UsageError, errorMessage } from '../errors.ts';
import { guestFiles } from '../config/scenario-config.ts';
import type { Host } from '../host/host.ts';
import { findActiveInterfaces } from '../pci/active-interfaces.ts';
import type { Bdf } from '../pci/bdf.ts';
import { readTotalVfs } from '../pci/sriov-ops.ts';
import { planAssignGroup, VFIO_DRIVER, type ActiveInterfaceProbe } from '../prepare/assign-group.ts';
import type { DeviceFacts } from '../prepare/device-facts.ts';
import { readGroupFacts, readHostUse } from '../prepare/assign-inputs.ts';
import { checkNoActiveInterface, checkVfsNotInUse, checkVfsRecreate } from '../prepare/guards.ts';
import type { HostPlan } from './plan.ts';
import { bridgeProblem, readBridge } from '../doctor/run-needs.ts';
import { caseDevices } from '../config/device-config.ts';

/**
 * The plan's host-side checks, read-only: each device exists and is the model the config says,
 * it is not in use by the host (the prepare layer's guards), the PF can make the VFs asked for.
 * All problems at once (a journal left by an earlier run is pending-journal.ts's, checked first).
 */
export class HostValidationError extends UsageError {
  constructor(readonly host: string, readonly problems: string[]) {
    super(`host ${host}: the plan does not fit this host, nothing was changed:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      remedy: `Compare with \`passbench devices --host ${host}\` and fix the config.`,
    });
  }
}

export async function validateHost(host: Host, plan: HostPlan, probe: ActiveInterfaceProbe = findActiveInterfaces): Promise<void> {
  const problems: string[] = [];
  const facts = new Map<Bdf, DeviceFacts>();
  const read = async (bdf: Bdf): Promise<DeviceFacts | undefined> => {
    try {
      return await readGroupFacts(host, bdf, facts);
    } catch (error) {
      problems.push(errorMessage(error));
      return undefined;
    }
  };
  const nics: { bdfs: Bdf[]; force: boolean; with: Bdf[]; source: string }[] = [];
  const pfs: { pf: DeviceFacts; count: number; source: string }[] = [];
  for (const c of plan.cases) {
    const d = c.device;
    if (d.mode === 'e1000' || d.mode === 'virtio') {
      if (d.bridge) await checkBridge(host, d.bridge, d.source, problems);
      continue;
    }
    // A NIC and the port cabled back to back to it (pair:) are taken together, as one bind would.
    const bdfs = caseDevices(d) as Bdf[];
    const found = await Promise.all(bdfs.map(read));
    const f = found[0];
    if (!f || found.includes(undefined)) continue;
    for (const bdf of bdfs) {
      const id = await vendorDevice(host, bdf);
      if (d.hostId && id !== d.hostId) problems.push(`${d.source}: ${bdf} is ${id}, not ${d.hostId} as its model says (${d.mode === 'vf' ? 'the PF' : 'the NIC'})`);
    }
    if (d.mode === 'nic') nics.push({ bdfs, force: Boolean(d.force), with: (d.with ?? []) as Bdf[], source: d.source });
    else {
      await checkVfDevice(host, d.count!, d.source, f, problems);
      for (const vf of f.vfs) await read(vf.bdf);
      pfs.push({ pf: f, count: d.count!, source: d.source });
    }
  }
  const { active, dependencies } = await readHostUse(host, facts, probe);
  for (const { pf, count, source } of pfs) {
    // As `passbench sriov` guards it: the run makes `count` VFs and binds them all to vfio-pci.
    const vfs = pf.vfs.flatMap((v) => facts.get(v.bdf) ?? []);
    const found = (pf.numVfs ?? 0) !== count ? checkVfsRecreate(pf, pf.numVfs ?? 0, count, vfs, active) : vfs.flatMap((v) => checkNoActiveInterface(v, active));
    problems.push(...found.map((r) => `${source}: ${r.message}`));
  }
  for (const nic of nics) {
    // The prepare layer's guards, as `passbench bind` applies them (force: only the forcible ones yield;
    // with: the run config's consent to unnamed group members, bind's --with).
    const assign = planAssignGroup(nic.bdfs, facts, active, { force: nic.force, with: nic.with, dependencies });
    problems.push(...assign.refusals.map((r) => (r.rule === 'needs-consent'
      ? `${r.message} (to agree, add with: [${r.bdf}] to ${nic.source})`
      : r.forcible ? `${r.message} (force: true on ${nic.source} takes it anyway)` : r.message)));
  }
  const guest = plan.config.guest;
  if (guest && guest.copyFrom === undefined) {
    for (const file of guestFiles(guest)) {
      if (!(await host.exists(file))) problems.push(`the guest image file ${file} is not on this host: copy it there (vm-images/build-guest.sh builds it), or set run.guest.copyFrom to the folder on this machine that holds it and passbench copies it, checksummed`);
    }
  }
  if (problems.length) throw new HostValidationError(plan.name, problems);
}

async function checkVfDevice(host: Host, count: number, source: string, pf: DeviceFacts, problems: string[]): Promise<void> {
  if (pf.numVfs === undefined) {
    problems.push(`${source}: ${pf.bdf} is not SR-IOV capable (no sriov_totalvfs); it cannot make VFs`);
    return;
  }
  const total = await readTotalVfs(host, pf.bdf);
  if (count > total) problems.push(`${source}: count ${count} is more VFs than ${pf.bdf} can make (sriov_totalvfs ${total}); use 1-${total}`);
  if (pf.driver === VFIO_DRIVER || pf.driver === undefined) {
    problems.push(`${source}: ${pf.bdf} is on ${pf.driver ?? 'no driver'}; the PF's own driver must be bound to create VFs`);
  }
  problems.push(...checkVfsNotInUse(pf).map((r) => r.message));
}

/** An emulated baseline on the test wire needs the bridge with a port in it (doctor/run-needs.ts), and /dev/net/tun for its tap. */
async function checkBridge(host: Host, bridge: string, source: string, problems: string[]): Promise<void> {
  const found = bridgeProblem(await readBridge(host, bridge));
  if (found) problems.push(`${source}: ${found.problem}; ${found.remedy}`);
  if (!(await host.exists('/dev/net/tun'))) problems.push(`${source}: the host has no /dev/net/tun for the baseline guest's tap (modprobe tun)`);
}

async function vendorDevice(host: Host, bdf: Bdf): Promise<string> {
  const read = async (leaf: string) => (await host.readFile(`/sys/bus/pci/devices/${bdf}/${leaf}`)).trim().replace(/^0x/, '');
  return `${await read('vendor')}:${await read('device')}`;
}
