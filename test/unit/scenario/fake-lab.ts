import fs from 'node:fs/promises';
import path from 'node:path';
import type { Host } from '../../../harness/host/host.ts';
import type { ActiveInterface } from '../../../harness/pci/types.ts';
import type { Check, HostMeta, RunMeta, Sample } from '../../../harness/results/schema.ts';
import type { GuestHandle, RunOps, RunWriter } from '../../../harness/scenario/ops.ts';
import { raceAbort } from '../../../harness/wait/index.ts';
import { LAB, useSimLabs, type SimKernel } from '../../support/sim-kernel.ts';
import { SimProcesses } from '../../support/sim-processes.ts';
import { tempDir, tempDirSync } from '../../support/temp-dirs.ts';

/**
 * Fakes of the ops the runner drives, over simulated lab hosts (test/support/sim-kernel.ts):
 * binding, VFs, the journal and restore are real code on the simulated sysfs; guests, SSH, proof,
 * measurement and the writer are fakes that record what happened, in order, in `events`.
 */
export const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl lab1';
export const eth0Active: ActiveInterface[] = [{ name: 'eth0', reasons: [{ kind: 'default-route', family: 'ipv4' }] }];

/**
 * The lock (`mkdir -m 0700 -- DIR`) done for real inside the tree, and processes as
 * test/support/sim-processes.ts simulates them (none unless a test starts one); anything else is refused.
 */
export function treeRunner(root: () => string) {
  return new SimProcesses(root).runner();
}

export async function simHost(lab: ReturnType<typeof useSimLabs>, options: Parameters<ReturnType<typeof useSimLabs>>[0] = {}) {
  let root = '';
  const l = await lab({ ...options, run: treeRunner(() => root) });
  root = l.root;
  // The guest image labYaml names: a run checks that it is there before the first change.
  await fs.mkdir(path.join(root, 'images'), { recursive: true });
  await fs.writeFile(path.join(root, 'images/guest.iso'), 'a guest ISO');
  return l;
}

export function labYaml(hosts: Record<string, string>, run = `guest: { iso: /images/guest.iso }\n  peer: { address: 10.0.3.10 }\n  resultsDir: ${TEST_RESULTS}`): string {
  const entries = Object.entries(hosts).map(([name, devices], i) =>
    `  ${name}:\n    address: 10.0.0.${i + 1}\n    identityFile: /tmp/id\n    hostKey: ${KEY}\n${devices}`).join('');
  return `hosts:\n${entries}run:\n  ${run}\n`;
}

/** Where the fake runs' folders go (never the checkout's reports/); removed when the test run ends. */
const TEST_RESULTS = tempDirSync('passbench-test-runs-');

/** The sim lab's devices: the e1000 spare as a whole NIC, 2 igb VFs, the e1000 baseline. */
export const ALL_DEVICES = `    devices:
      - { mode: nic, bdf: "${LAB.nicSpare}", model: e1000 }
      - { mode: vf, pf: "${LAB.pf}", count: 2, model: igb }
      - { mode: e1000, network: user }
`;

export class FakeWriter implements RunWriter {
  readonly samples: Sample[] = [];
  readonly checks: Check[] = [];
  finished?: { status: RunMeta['status']; error?: string };
  constructor(readonly dir: string, readonly meta: RunMeta, private readonly events: string[]) {}
  async appendSample(s: Sample): Promise<void> { this.samples.push(s); this.events.push(`sample ${s.host}/${s.guest} ${s.metric}#${s.repetition}`); }
  async appendCheck(c: Check): Promise<void> { this.checks.push(c); }
  artifactPath(name: string): string { return path.join(this.dir, 'artifacts', name); }
  async finish(status: RunMeta['status'], error?: string): Promise<RunMeta> { this.finished = { status, error }; return { ...this.meta, status }; }
}

export interface FakeOpsOptions {
  hosts: Record<string, SimKernel>;
  /** Called at each op with its name; may throw or wait to inject a fault. */
  hook?: (op: string, host: string, guest?: string) => Promise<void> | void;
  /** Samples each guest's measure delivers before returning. */
  samplesPerGuest?: number;
  /** The driver a guest reports (default: the expected one). */
  proofDriver?: (host: string, guest: string, expected: string) => string;
  stopFails?: string[];
  /** A guest's QEMU ending by itself: the handle's `exited` (guest name → how it ended). */
  qemuExits?: Record<string, Promise<string>>;
}

export function fakeOps(o: FakeOpsOptions) {
  const events: string[] = [];
  const writers: FakeWriter[] = [];
  const hostOf = new Map<Host, string>(Object.entries(o.hosts).map(([n, h]) => [h, n]));
  const hook = async (op: string, host: string, guest?: string) => { await o.hook?.(op, host, guest); };
  const ops: RunOps = {
    probeActive: async () => eth0Active,
    connect: async (config) => {
      events.push(`connect ${config.name}`);
      await hook('connect', config.name);
      const h = o.hosts[config.name];
      if (!h) throw new Error(`no sim host ${config.name}`);
      return h;
    },
    hostMeta: async (_h, config): Promise<HostMeta> => ({ name: config.name, address: config.connection.address, kernel: '6.12', kernelCmdline: 'intel_iommu=on', qemu: 'QEMU 10', accel: 'tcg', virtualLab: true }),
    doctor: async (_h, config) => { await hook('doctor', config.name); return { fit: true, text: 'all PASS' }; },
    bootGuest: async (host, boot, { signal }): Promise<GuestHandle> => {
      const name = hostOf.get(host)!;
      events.push(`boot ${name}/${boot.name} ${boot.vfio.join(',') || boot.emulated}`);
      await hook('boot', name, boot.name);
      signal.throwIfAborted();
      return {
        name: boot.name, address: boot.emulated && !boot.bridge ? '10.0.2.15' : undefined,
        // As guest/guest.ts decides it: virtio-net on a tap uses vhost-net where the host has it.
        ...(boot.emulated === 'virtio' && boot.bridge ? { vhost: await host.exists('/dev/vhost-net') } : {}),
        stop: async () => {
          events.push(`stop ${name}/${boot.name}`);
          if (o.stopFails?.includes(boot.name)) throw new Error(`QEMU of ${boot.name} would not die`);
        },
        consoleLog: async () => `console of ${name}/${boot.name}\n`,
        exited: o.qemuExits?.[boot.name],
      };
    },
    connectGuest: async (host, guest) => {
      const name = hostOf.get(host)!;
      events.push(`ssh ${name}/${guest.name}`);
      await hook('ssh', name, guest.name);
      return { name: `${name} ${guest.name}`, close: async () => { events.push(`close ${name}/${guest.name}`); } } as unknown as Host;
    },
    prove: async (guestHost, expect) => {
      const [hostName, guest] = guestHost.name.split(' ') as [string, string];
      await hook('prove', hostName, guest);
      return { iface: 'eth0', vendorDevice: expect.vendorDevice, driver: o.proofDriver?.(hostName, guest, expect.driver) ?? expect.driver,
        linkUp: true, address: expect.address, kernelMessages: [] };
    },
    checkPeer: async (peer, name, address) => {
      events.push(`check peer ${name} ${address}`);
      await hook('checkPeer', name);
      return { iperf3: 'iperf 3.12', iface: 'eth9' };
    },
    checkReachable: async (guestHost, r) => {
      events.push(`reach ${r.guest} ${r.peerAddress}`);
      await hook('reach', guestHost.name, r.guest);
      return { replies: 3, rttMs: 0.4 };
    },
    measure: async (ctx) => {
      events.push(`measure ${ctx.host}/${ctx.guest} streams=${ctx.streams} udp=${ctx.udpBitrateBps} omit=${ctx.omitS}`);
      await ctx.saveArtifact?.(`${ctx.guest}.tcp.r0.json`, `{"raw":"${ctx.host}/${ctx.guest}"}`);
      for (let i = 0; i < (o.samplesPerGuest ?? 2); i++) {
        // As the real one: a hook that hangs (a dead guest's iperf3) ends when the signal aborts.
        await raceAbort(hook('measure', ctx.host, ctx.guest), ctx.signal, () => ctx.signal!.reason as Error);
        ctx.signal?.throwIfAborted();
        await ctx.onMeasurement({ metric: 'tcp.tx.throughput',
          unit: 'bit/s', direction: 'higher-is-better', value: 1e9 + i, repetition: i, warmup: false, at: new Date().toISOString(), labels: {} });
      }
    },
    openWriter: async (dir, meta) => {
      // As openRunWriter does: artifacts/ exists from the start.
      await fs.mkdir(path.join(dir, 'artifacts'), { recursive: true });
      const w = new FakeWriter(dir, meta, events);
      writers.push(w);
      return w;
    },
    report: async () => ({ regressions: [], paths: { html: '/tmp/report.html' } }),
  };
  return { ops, events, writers };
}

export async function writeTemp(name: string, text: string): Promise<string> {
  const dir = await tempDir('passbench-scenario-');
  const file = path.join(dir, name);
  await fs.writeFile(file, text);
  return file;
}
