import type { HostRunConfig, ResolvedDevice, RunSettings } from '../config/scenario-config.ts';
import type { Host } from '../host/host.ts';
import type { Bdf } from '../pci/bdf.ts';
import type { Check, Mode, Sample } from '../results/schema.ts';
import type { CleanupStack } from './cleanup-stack.ts';
import type { DeviceProof, GuestHandle, RunOps } from './ops.ts';
import type { Pace } from '../wait/index.ts';

/** One guest of a case, as planned (VF guests learn their BDF when the VFs exist). */
export interface GuestPlan {
  name: string;
  mode: Mode;
  /** The whole NIC's BDF; for a VF guest, filled in by createVfs. */
  bdf?: string;
  vfIndex?: number;
  address?: string;
  /**
   * The passthrough NIC's MAC in the guest, when known: a whole NIC's own (bindGroup reads it), a
   * VF's as its PF set it (createVfs). The guest's cloud-init seed finds the NIC by it.
   */
  mac?: string;
}

/** A case: one device entry on one host, with its guests and the steps that apply to its mode. */
export interface Case {
  id: string;
  host: string;
  device: ResolvedDevice;
  guests: GuestPlan[];
  stepIds: string[];
}

/** What a step sees. The runner makes one per case; steps keep their results in it. */
export interface CaseContext {
  runId: string;
  case: Case;
  host: Host;
  config: HostRunConfig;
  settings: RunSettings;
  ops: RunOps;
  cleanup: CleanupStack;
  signal: AbortSignal;
  /** How slow this run goes (measured before it started): scales the default deadlines of the steps. */
  pace: Pace;
  log(line: string): void;
  /** Tells the progress display which guest the step is on. */
  onGuest(guest: string): void;
  /** Records a check at once (writer); a `fail` also fails the case when the step ends. */
  check(c: Omit<Check, 'schema' | 'runId' | 'host' | 'at'>): Promise<void>;
  /** Hands a measured sample to the results writer at once (a later failure keeps it). */
  sample(s: Sample): Promise<void>;
  /**
   * Keeps `content` in the run's artifacts/ as `<host>-<name>` (serial consoles, raw iperf3 JSON …);
   * returns the path relative to the run directory. A file that cannot be written is logged, not
   * thrown: losing a raw log must not lose the measurement it belongs to.
   */
  artifact(name: string, content: string): Promise<string>;
  /**
   * Runs `work` with the peer's host (the lab host itself unless peer.host names another), checked
   * (iperf3, the address: a `peer` check of the case) and, when it is not a host of this run, with
   * its traffic lock held (traffic-peer.ts).
   */
  withPeer<T>(work: (peer: Host) => Promise<T>): Promise<T>;
  /**
   * The TCP goodput the case's device can carry (measure/line-rate.ts), from its link speed and
   * MTU as the host had them before the case bound anything; absent when unknown (link down, the e1000).
   */
  lineRateBps?: number;
  vfs: Bdf[];
  guests: Map<string, GuestHandle>;
  guestHosts: Map<string, Host>;
  proofs: Map<string, DeviceProof>;
  /** True once something was journalled on the host in this case (restore is then on the stack). */
  restorePushed: boolean;
  /** `passbench restore …` for this host, complete (lab config, journal): for remedies. */
  restoreCommand: string;
}
