/** What a scenario file imports: `import { defineScenario, checkIommu, … } from '../harness/scenario/index.ts'`. */
export { defineScenario, step, type Scenario, type Step } from './define-scenario.ts';
export { bindGroup, bootGuests, checkIommu, createVfs, measure, prove, sshIn } from './steps.ts';
export type { CaseContext } from './case-context.ts';
