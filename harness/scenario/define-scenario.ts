import type { DeviceMode, RunSettings } from '../config/scenario-config.ts';
import type { CaseContext } from './case-context.ts';

/**
 * A scenario is the seed's procedure as a list of named steps (check the IOMMU, bind the group,
 * create VFs, boot, SSH in, prove, measure) run for every case of the plan: each lab host × each
 * device mode the scenario covers. A step that does not apply to a mode (createVfs for the whole
 * NIC) is skipped for it, so one list serves every mode. After all cases, `compare` runs once.
 */
export interface Step {
  /** Short, stable: shown in progress and in check names (step.<id>). */
  id: string;
  title: string;
  /** The modes it applies to; all when absent. */
  modes?: readonly DeviceMode[];
  run(ctx: CaseContext): Promise<void>;
  /** Expected seconds for a case with `guests` guests, for the progress estimate (default 2). */
  estimateS?(settings: RunSettings, guests: number): number;
}

/**
 * 'previous': the night's verdict (each series against its earlier good nights, run.baseline)
 * fails the run on a regression. ('e1000' was accepted and did nothing: the report shows the
 * in-run e1000 figures beside each mode whatever this says; it is refused now.)
 */
export type CompareAgainst = 'previous';

export interface ScenarioSpec {
  name: string;
  description: string;
  /** Which of the host's configured devices this scenario uses. */
  modes: readonly DeviceMode[];
  steps: readonly Step[];
  /** Judge the night against earlier nights (see run.baseline, run.gate) and fail the run on a regression. */
  compare?: { against: readonly CompareAgainst[] };
}

const SCENARIO = Symbol.for('passbench.scenario');

export interface Scenario extends ScenarioSpec {
  readonly [SCENARIO]: true;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,40}$/;

export function defineScenario(spec: ScenarioSpec): Scenario {
  if (!NAME.test(spec.name)) throw new TypeError(`scenario name ${JSON.stringify(spec.name)}: use lower-case letters, digits and "-"`);
  if (spec.modes.length === 0) throw new TypeError(`scenario ${spec.name}: modes is empty`);
  for (const against of spec.compare?.against ?? []) {
    if (against !== 'previous') {
      throw new TypeError(`scenario ${spec.name}: compare.against ${JSON.stringify(against)} is not supported; `
        + `${against === 'e1000' ? '"e1000" was removed (it did nothing: the report always shows the in-run e1000 figures beside each mode); ' : ''}`
        + 'use compare: { against: [\'previous\'] } to fail the run on a regression of the night (thresholds and gating metrics: run.thresholds, run.gate)');
    }
  }
  const ids = new Set<string>();
  for (const s of spec.steps) {
    if (ids.has(s.id)) throw new TypeError(`scenario ${spec.name}: two steps are called ${s.id}`);
    ids.add(s.id);
  }
  return Object.freeze({ ...spec, [SCENARIO]: true as const });
}

export function isScenario(value: unknown): value is Scenario {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[SCENARIO] === true;
}

/** A custom step: `step('warm the cache', async (ctx) => { … })`. */
export function step(title: string, run: Step['run'], options: { id?: string; modes?: readonly DeviceMode[] } = {}): Step {
  const id = options.id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return { id, title, modes: options.modes, run };
}
