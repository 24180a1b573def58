/**
 * Writes valid, synthetic run directories (through the real run writer) for tests and
 * benchmarks: every mode's throughput, latency and HTTP metrics with seeded Gaussian noise.
 */
import { createRandom } from '../../harness/stats/random.ts';
import { openRunWriter } from '../../harness/results/run-writer.ts';
import type { Mode, RunMeta, Sample } from '../../harness/results/schema.ts';
import { SCHEMA_VERSION } from '../../harness/results/schema.ts';

export interface FakeRunOptions {
  runId: string;
  startedAt?: Date;
  host?: string;
  kernel?: string;
  qemu?: string;
  accel?: 'kvm' | 'tcg';
  /** The host is an emulated virtual-lab host (default: accel tcg); KVM guests nested in it stay emulated. */
  virtualLab?: boolean;
  scenario?: string;
  status?: RunMeta['status'];
  modes?: Mode[];
  repetitions?: number;
  warmups?: number;
  /** Relative run-to-run noise of every metric (0.03 = 3 %). */
  noise?: number;
  /** Multiplies every throughput and rate (0.85 = a 15 % slowdown). */
  throughputFactor?: number;
  seed?: number;
  /** Add a failing check (device without link) to the run. */
  failingCheck?: boolean;
}

const LINE_RATE = 10e9;
const BASE: Record<Mode, { throughput: number; latency: number; http: number }> = {
  nic: { throughput: 9.4e9, latency: 30e-6, http: 42000 },
  vf: { throughput: 9.1e9, latency: 38e-6, http: 39000 },
  e1000: { throughput: 0.9e9, latency: 120e-6, http: 9000 },
  virtio: { throughput: 6e9, latency: 60e-6, http: 30000 },
};

type Metric = Pick<Sample, 'metric' | 'unit' | 'direction'> & { centre: number };

function metricsOf(mode: Mode, factor: number): Metric[] {
  const b = BASE[mode];
  const hi = 'higher-is-better' as const;
  const lo = 'lower-is-better' as const;
  return [
    { metric: 'tcp.tx.throughput', unit: 'bit/s', direction: hi, centre: b.throughput * factor },
    { metric: 'tcp.rx.throughput', unit: 'bit/s', direction: hi, centre: b.throughput * 0.97 * factor },
    { metric: 'tcp.tx.line_rate', unit: '%', direction: hi, centre: (100 * b.throughput * factor) / LINE_RATE },
    { metric: 'latency.idle.p50', unit: 's', direction: lo, centre: b.latency },
    { metric: 'latency.idle.p90', unit: 's', direction: lo, centre: b.latency * 1.4 },
    { metric: 'latency.idle.p99', unit: 's', direction: lo, centre: b.latency * 2.2 },
    { metric: 'latency.load.p50', unit: 's', direction: lo, centre: b.latency * 3 },
    { metric: 'latency.load.p90', unit: 's', direction: lo, centre: b.latency * 4.5 },
    { metric: 'latency.load.p99', unit: 's', direction: lo, centre: b.latency * 8 },
    { metric: 'http.rate', unit: 'req/s', direction: hi, centre: b.http * factor },
  ];
}

/** The run's metadata as the runner would write it. */
export function fakeMeta(o: FakeRunOptions): RunMeta {
  return {
    schema: SCHEMA_VERSION,
    runId: o.runId,
    scenario: o.scenario ?? 'nightly',
    scenarioHash: 'a'.repeat(64),
    harnessVersion: '0.1.0',
    guestImage: 'passbench-guest.iso',
    hosts: [{
      name: o.host ?? 'lab1',
      address: '10.0.0.2',
      kernel: o.kernel ?? '6.1.0-27-amd64',
      kernelCmdline: 'intel_iommu=on iommu=pt',
      qemu: o.qemu ?? '10.0.2',
      accel: o.accel ?? 'kvm',
      virtualLab: o.virtualLab ?? (o.accel ?? 'kvm') === 'tcg',
      cpuModel: 'Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz',
      nic: {
        bdf: '0000:03:00.0', model: '82599ES 10-Gigabit SFI/SFP+', vendorDevice: '8086:10fb', driver: 'ixgbe', driverVersion: '6.1.0', firmware: '0x800007f4',
        iface: 'enp3s0f0', linkSpeedMbps: 10_000, mtu: 1500,
      },
    }],
    startedAt: (o.startedAt ?? new Date('2026-11-20T02:00:00Z')).toISOString(),
    status: 'running',
  };
}

/** The samples of a fake run (pure), in the order a run would measure them. */
export function fakeSamples(o: FakeRunOptions): Sample[] {
  const random = createRandom(o.seed ?? 1);
  const start = (o.startedAt ?? new Date('2026-11-20T02:00:00Z')).getTime();
  const noise = o.noise ?? 0.03;
  const reps = o.repetitions ?? 12;
  const warmups = o.warmups ?? 1;
  const samples: Sample[] = [];
  let tick = 0;
  for (const mode of o.modes ?? ['nic', 'vf', 'e1000']) {
    for (const m of metricsOf(mode, o.throughputFactor ?? 1)) {
      for (let r = 0; r < warmups + reps; r++) {
        samples.push({
          schema: SCHEMA_VERSION, runId: o.runId, host: o.host ?? 'lab1', mode, guest: mode === 'vf' ? 'vf0' : mode,
          metric: m.metric, unit: m.unit, direction: m.direction,
          value: Math.max(0, m.centre * (1 + noise * random.normal())),
          repetition: r, warmup: r < warmups, at: new Date(start + 1000 * ++tick).toISOString(), labels: {},
        });
      }
    }
  }
  return samples;
}

/** Writes a complete run directory for `o` into `dir`; returns its metadata. */
export async function writeFakeRun(dir: string, o: FakeRunOptions): Promise<RunMeta> {
  const meta = fakeMeta(o);
  const writer = await openRunWriter(dir, meta);
  const at = meta.startedAt;
  const host = meta.hosts[0]?.name ?? 'lab1';
  for (const mode of o.modes ?? ['nic', 'vf', 'e1000']) {
    const guest = mode === 'vf' ? 'vf0' : mode;
    await writer.appendCheck({ schema: SCHEMA_VERSION, runId: o.runId, host, mode, guest, name: 'device-present', status: 'pass', message: `${mode} device in the guest`, at });
    const noLink = o.failingCheck === true && mode === 'vf';
    await writer.appendCheck({
      schema: SCHEMA_VERSION, runId: o.runId, host, mode, guest, name: 'link-up', status: noLink ? 'no-link' : 'pass',
      message: noLink ? 'eth1 has no carrier' : 'eth1 link up', at, ...(noLink ? { details: 'igbvf 0000:00:04.0: <link down> & "no carrier"' } : {}),
    });
  }
  for (const s of fakeSamples(o)) await writer.appendSample(s);
  return writer.finish(o.status ?? 'passed');
}
