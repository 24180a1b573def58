/**
 * The scenario's name for titles. A run records the scenario FILE it ran (run.json `scenario`,
 * what the history's --scenario filter and the last-good baseline match on), e.g.
 * /srv/passbench/scenarios/nightly.ts; scenario files are named after their scenario
 * (scenarios/nightly.ts defines 'nightly'), so the file's base name without its extension is
 * the name. A value that is no path (older runs, synthetic histories) is the name already.
 */
const SCENARIO_FILE = /\.(ts|mts|js|mjs|cjs|ya?ml|json)$/;

export function scenarioName(scenario: string): string {
  const base = scenario.split(/[\\/]/).filter((part) => part !== '').pop() ?? scenario;
  const name = base.replace(SCENARIO_FILE, '');
  return name === '' ? scenario : name;
}
