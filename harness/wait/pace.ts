import { seconds, type Deadline } from './deadline.ts';

/**
 * How much slower than an idle KVM host this run's work goes, and what that was measured on.
 * Deadlines are a base (what the work needs on an idle KVM host, with room) times the pace, so one
 * set of bases serves a quiet KVM lab and a nested TCG guest on a loaded 2-core machine alike, and a
 * timeout can say "deadline 600 s = base 120 s × pace 5, from …".
 *
 * A Pace is a value: it is made once from what the run has seen and handed down explicitly.
 */
export type Accel = 'kvm' | 'tcg';

/** Pace is clamped to this: below 1 a deadline would undercut its base; beyond 20 a hang would take hours to notice. */
export const PACE_RANGE = { min: 1, max: 20 } as const;

/**
 * Before anything is measured. TCG emulates every instruction: nested guests in the virtual lab
 * need 53–91 s from QEMU start to SSH (vm-images/README) where KVM needs well under 30 s.
 */
export const ACCEL_PACE: Readonly<Record<Accel, number>> = { kvm: 1, tcg: 5 };

/** The virtual lab host's time to SSH on an idle machine under TCG (README: "SSH ready in ~8 s"). */
export const LAB_BOOT_REFERENCE_MS = 8_000;

export class Pace {
  private constructor(
    /** The multiplier for every base, within PACE_RANGE. */
    readonly factor: number,
    /** What it was measured on, for messages: "the lab host's boot (SSH after 24 s, 8 s idle) × tcg 5". */
    readonly source: string,
  ) {}

  /** Factor 1: for callers that were given no pace (library use, tests). */
  static neutral(): Pace {
    return new Pace(1, 'no pace given');
  }

  /** Only the accelerator is known. */
  static forAccel(accel: Accel): Pace {
    return Pace.make(ACCEL_PACE[accel], `${accel}, nothing measured yet`);
  }

  /**
   * From the virtual lab host's own boot under TCG (`lab up`'s state.sshReadyMs): how loaded this
   * machine is, times what the guests' accelerator costs.
   */
  static fromLabBoot(sshReadyMs: number, accel: Accel): Pace {
    const load = sshReadyMs / LAB_BOOT_REFERENCE_MS;
    return Pace.make(ACCEL_PACE[accel] * load,
      `the lab host's boot (SSH after ${seconds(sshReadyMs)} s, ${seconds(LAB_BOOT_REFERENCE_MS)} s when idle) × ${accel} ${ACCEL_PACE[accel]}`);
  }

  /** From work of a known nominal length that has run (a measurement's warm-up): how long it really took. */
  static fromRun(tookMs: number, nominalMs: number, what: string): Pace {
    if (!(nominalMs > 0)) throw new RangeError(`a pace needs a nominal duration > 0, got ${nominalMs}`);
    return Pace.make(tookMs / nominalMs, `${what}: ${seconds(tookMs)} s for ${seconds(nominalMs)} s nominal`);
  }

  private static make(raw: number, source: string): Pace {
    if (!Number.isFinite(raw)) throw new RangeError(`a pace must be a finite number, got ${raw} (${source})`);
    const factor = Math.min(PACE_RANGE.max, Math.max(PACE_RANGE.min, raw));
    const clamped = factor === raw ? '' : `; ${round(raw)} clamped to ${PACE_RANGE.min}–${PACE_RANGE.max}`;
    return new Pace(factor, `${source}${clamped}`);
  }

  /** The deadline for work that takes `baseMs` (with room) on an idle KVM host. */
  scaled(baseMs: number): Deadline {
    if (!Number.isFinite(baseMs) || baseMs < 0) throw new RangeError(`a base deadline must be ≥ 0 ms, got ${baseMs}`);
    return { ms: Math.round(baseMs * this.factor), origin: ` = base ${seconds(baseMs)} s × pace ${round(this.factor)}, from ${this.source}` };
  }

  toString(): string {
    return `pace ${round(this.factor)} (${this.source})`;
  }
}

/** 5 → "5", 2.456 → "2.5". */
function round(n: number): string {
  return String(Number(n.toFixed(1)));
}
