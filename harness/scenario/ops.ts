import type { Expect, GuestImage, HostRunConfig, RunSettings } from '../config/scenario-config.ts';
import type { EmulatedMode } from '../config/device-config.ts';
import type { Host } from '../host/host.ts';
import type { ActiveInterfaceProbe } from '../prepare/assign-group.ts';
import type { MeasureContext } from '../measure/measure-mode.ts';
import type { PeerFacts } from '../measure/peer-check.ts';
import type { RunWriter } from '../results/run-writer.ts';
import type { Deadline, DeadlineLike, Pace } from '../wait/index.ts';
import type { HostMeta, Mode, RunMeta } from '../results/schema.ts';

export type { RunWriter } from '../results/run-writer.ts';

/**
 * What the runner needs from the layers beside it (vm, guest, measure, results, report), as one
 * object: the real one is harness/scenario/real-ops.ts, tests give fakes. The host preparation
 * (bind, VFs, restore) is not here: the steps call harness/prepare directly, which works on a
 * simulated sysfs as on a real kernel.
 */
export interface RunOps {
  /** Opens the lab host (SSH, or this machine). */
  connect(config: HostRunConfig): Promise<Host>;
  /** Kernel, QEMU, accelerator … for the run's metadata. */
  hostMeta(host: Host, config: HostRunConfig): Promise<HostMeta>;
  /** passbench doctor on the host: unfit stops that host (exit 3). */
  doctor(host: Host, config: HostRunConfig): Promise<{ fit: boolean; text: string }>;
  /** Which interfaces the host uses (default: harness/pci's findActiveInterfaces). */
  probeActive?: ActiveInterfaceProbe;
  bootGuest(host: Host, boot: GuestBoot, o: { signal: AbortSignal; log: (l: string) => void }): Promise<GuestHandle>;
  connectGuest(host: Host, guest: GuestHandle, o: { deadline: DeadlineLike; signal: AbortSignal }): Promise<Host>;
  prove(guestHost: Host, expect: Expect & { address?: string }): Promise<DeviceProof>;
  /** The peer has iperf3 and the peer address (measure/peer-check.ts); read-only. */
  checkPeer(peer: Host, name: string, address: string): Promise<PeerFacts>;
  /** From inside a guest: the peer answers pings (measure/peer-check.ts); PeerUnreachableError when not. */
  checkReachable(guest: Host, o: { guest: string; guestAddress: string; peerAddress: string; pace: Pace }): Promise<{ replies: number; rttMs: number }>;
  measure(ctx: MeasureRequest): Promise<void>;
  openWriter(dir: string, meta: RunMeta): Promise<RunWriter>;
  /**
   * History import, reports, and the night's verdict: what regressed (empty: nothing). With `gate`
   * false (the scenario does not compare), regressions are reported but none is returned.
   */
  report(runDir: string, settings: RunSettings, gate: boolean): Promise<ReportOutcome>;
}

/** One guest to boot: what harness/vm/launcher.ts's GuestSpec is built from. */
export interface GuestBoot {
  runId: string;
  /** The lab host's name in the config (a plain name: it names folders). */
  host: string;
  name: string;
  mode: Mode;
  image: GuestImage;
  accel: 'kvm' | 'tcg';
  /** Devices given with -device vfio-pci,host=… */
  vfio: string[];
  /** An emulated NIC instead (`vfio` empty): on user networking, or with `bridge` on the test wire. */
  emulated?: EmulatedMode;
  /** The emulated NIC's tap joins this bridge of the host (on the test network). */
  bridge?: string;
  /** Static address on the test network (fw_cfg net); none for an emulated NIC on user networking. */
  address?: string;
  /** The passthrough NIC's MAC in the guest, when known (case-context.ts GuestPlan.mac): the seed matches it. */
  mac?: string;
  peerAddress?: string;
  /** Set by run.durations.bootS; absent: the guest layer's base scaled by `pace`. */
  bootDeadline?: Deadline;
  pace: Pace;
  /** The lab host's journal: the guest's QEMU and keys are recorded there for `passbench restore`. */
  journalPath?: string;
}

export interface GuestHandle {
  name: string;
  /** The address measurements use for the guest (its test-network address, or what user-net gives). */
  address?: string;
  /** Stops QEMU (powerdown → quit → kill); idempotent. */
  stop(): Promise<void>;
  /** Settles once the guest's QEMU has ended, whoever ended it, saying how ("was killed by SIGKILL"). */
  exited?: Promise<string>;
  /** The guest's whole serial console so far (kept with the results when the guest stops). */
  consoleLog?(): Promise<string>;
  /** query-pci's vendor:device list, for the check that the device is in the guest. */
  queryPci?(): Promise<string[]>;
  /** A virtio-net baseline on a tap: true when vhost-net carries its data (the host has /dev/vhost-net). */
  vhost?: boolean;
}

/** As harness/guest/prove-device.ts returns it. */
export interface DeviceProof {
  iface: string;
  vendorDevice: string;
  driver: string;
  driverVersion?: string;
  guestKernel?: string;
  linkUp: boolean;
  address?: string;
  kernelMessages: string[];
}

/** The measurement suite's input (harness/measure/measure-mode.ts) and the lab host it measures on. */
export type MeasureRequest = MeasureContext & { host: string };

export interface ReportOutcome {
  regressions: string[];
  /** html, markdown, junit, json … */
  paths: Record<string, string>;
}
