/**
 * The result schema (versioned, validated with zod): what a run writes and what history, reports
 * and `compare` read. One run directory holds
 *
 *   run.json        RunMeta — written at the start, rewritten at the end (status, endedAt)
 *   samples.jsonl   one Sample per line, appended (and flushed) the moment it is measured
 *   checks.jsonl    one Check per line (device proofs, link state, doctor), appended likewise
 *   artifacts/      serial logs, query-pci output, raw iperf3 JSON … (paths named in samples/checks)
 *
 * Bump SCHEMA_VERSION on any incompatible change; readers refuse versions they do not know.
 */
import { z } from 'zod';
import { DIRECTIONS, METRIC_UNITS } from '../measure/figure.ts';

export const SCHEMA_VERSION = 1;

/** A mode is what carries the guest's traffic: the whole NIC, one VF, or the emulated e1000. */
export const ModeSchema = z.enum(['nic', 'vf', 'e1000', 'virtio']);
export type Mode = z.infer<typeof ModeSchema>;

export const DirectionSchema = z.enum(DIRECTIONS);

const Name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$/, 'letters, digits and _ . : @ - (max 64)');

export const SampleSchema = z.strictObject({
  schema: z.literal(SCHEMA_VERSION),
  runId: Name,
  /** Lab host name as in the lab config. */
  host: Name,
  mode: ModeSchema,
  /** Guest that measured (e.g. "vf0"), so two VF guests of one run stay apart. */
  guest: Name,
  /** Dotted metric name, e.g. tcp.rx.throughput, udp.tx.jitter, latency.idle.p99, http.rate. */
  metric: z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/, 'lower-case dotted name'),
  /** SI unit of value: bit/s, s, req/s, %, count. */
  unit: z.enum(METRIC_UNITS),
  direction: DirectionSchema,
  value: z.number().finite(),
  /** 0-based repetition index; warm-up samples are kept but marked and never compared. */
  repetition: z.number().int().min(0),
  warmup: z.boolean(),
  /** ISO time the sample was taken. */
  at: z.iso.datetime(),
  /** Free-form extra dimensions (streams, protocol, peer …) and the raw-output artifact path. */
  labels: z.record(z.string(), z.string()).default({}),
});
export type Sample = z.infer<typeof SampleSchema>;

export const CheckSchema = z.strictObject({
  schema: z.literal(SCHEMA_VERSION),
  runId: Name,
  host: Name,
  /** Absent for host-level checks (doctor, bind, restore). */
  mode: ModeSchema.optional(),
  guest: Name.optional(),
  /** e.g. device-present, driver-bound, link-up, query-pci, host-restored. */
  name: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  /** no-link: the device is there but has no carrier (reported with the kernel's message). */
  status: z.enum(['pass', 'fail', 'no-link', 'skip']),
  message: z.string(),
  at: z.iso.datetime(),
  /** Evidence: the kernel's message, query-pci excerpt, console tail … */
  details: z.string().optional(),
});
export type Check = z.infer<typeof CheckSchema>;

export const HostMetaSchema = z.strictObject({
  name: Name,
  address: z.string(),
  kernel: z.string(),
  kernelCmdline: z.string(),
  qemu: z.string(),
  accel: z.enum(['kvm', 'tcg']),
  /** true when the host is the virtual lab (every figure is an emulated one). */
  virtualLab: z.boolean(),
  /** /proc/cpuinfo's model name (absent in runs before it was recorded). */
  cpuModel: z.string().optional(),
  /**
   * The NIC under test, read before the run bound anything (pci/nic-provenance.ts): the first
   * passthrough device of the host's selection (a VF's PF). Absent when the host tests none.
   */
  nic: z.strictObject({
    bdf: z.string(),
    model: z.string(),
    vendorDevice: z.string(),
    driver: z.string(),
    driverVersion: z.string(),
    firmware: z.string(),
    iface: z.string().optional(),
    /** Mbit/s, when its link was up. */
    linkSpeedMbps: z.number().int().positive().optional(),
    mtu: z.number().int().positive().optional(),
  }).optional(),
});
export type HostMeta = z.infer<typeof HostMetaSchema>;

export const RunMetaSchema = z.strictObject({
  schema: z.literal(SCHEMA_VERSION),
  runId: Name,
  scenario: z.string(),
  /** sha256 of the scenario and of what the config says to measure (config/config-hash.ts). */
  scenarioHash: z.string().regex(/^[0-9a-f]{64}$/),
  harnessVersion: z.string(),
  guestImage: z.string(),
  hosts: z.array(HostMetaSchema),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime().optional(),
  status: z.enum(['running', 'passed', 'failed', 'aborted']),
  /** Why a run failed or was aborted, in one line. */
  error: z.string().optional(),
});
export type RunMeta = z.infer<typeof RunMetaSchema>;

/** A new, time-sortable run id: 20261124T203000Z-ab12 (UTC start + 4 hex digits). */
export function newRunId(now = new Date(), random = Math.random): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const suffix = Math.floor(random() * 0x10000).toString(16).padStart(4, '0');
  return `${stamp}-${suffix}`;
}
