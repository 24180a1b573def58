import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const CHILD_PROCESS = { name: 'child_process', message: 'Use the Host layer (harness/host) to run commands.' };

/**
 * The folders of harness/ in layers, lowest first (README "Layout", ../shared/DESIGN.md). A folder
 * may import the folders of the rows below its own, never its own row's others nor any above;
 * harness/errors.ts is below them all. A shared type that a lower layer needs moves down; the rule
 * is not loosened.
 */
export const LAYERS = [
  ['stats', 'wait'], // leaves: stats imports nothing at all, wait only errors.ts
  ['host'],
  ['pci'],
  ['prepare'],
  ['vm', 'doctor'],
  ['guest', 'measure'], // guest hands the VM its fw_cfg files (vm/qemu-args.ts)
  ['lab', 'results'], // lab: the virtual lab (vm + guest); results: schema, history, verdicts, changes
  ['report', 'config'], // report renders what results/ decided; config validates what results/ reads
  ['scenario'],
  ['cli'], // maps outcomes to exit codes
];

/** Folders below a layer that it still may not use, and why. */
const ALSO_FORBIDDEN = {
  report: { stats: 'report/ only renders: statistics (summaries, trends, verdicts) are computed in results/, which report/ reads.' },
};

const layerOrder = LAYERS.map((row) => row.join(', ')).join(' → ');

const pattern = (f, message) => ({ regex: `^(\\.\\./)+${f}(/|$)`, message });

/** no-restricted-imports patterns: the folders `folder` may not import, each with its own message. */
export function forbiddenFor(folder) {
  const row = LAYERS.findIndex((r) => r.includes(folder));
  const above = LAYERS.slice(row).flat().filter((f) => f !== folder).map((f) => pattern(f,
    `harness/${folder}/ may not import harness/${f}/: layers only use the ones below them (${layerOrder}). Move what both need down to the lower one.`));
  const also = Object.entries(ALSO_FORBIDDEN[folder] ?? {}).map(([f, why]) => pattern(f, `harness/${folder}/ may not import harness/${f}/: ${why}`));
  return [...above, ...also];
}

export default tseslint.config(
  { ignores: ['node_modules/', 'reports/', '.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [CHILD_PROCESS] }],
    },
  },
  // One block per layer (a later block's no-restricted-imports replaces the one above, so each repeats child_process).
  ...LAYERS.flat().map((folder) => ({
    files: [`harness/${folder}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { paths: [CHILD_PROCESS], patterns: forbiddenFor(folder) }] },
  })),
  {
    // Statistics are a leaf: pure functions of numbers, importing nothing else from harness/.
    files: ['harness/stats/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [CHILD_PROCESS],
        patterns: [{ regex: '^\\.\\./', message: 'harness/stats/ imports nothing from the rest of harness/ (it is a leaf).' }],
      }],
    },
  },
  {
    // The base of every layer.
    files: ['harness/errors.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [CHILD_PROCESS],
        patterns: [{ regex: '^\\.{1,2}/', message: 'harness/errors.ts is below every layer: it imports nothing from harness/.' }],
      }],
    },
  },
  { files: ['**/*.js', '**/*.cjs'], languageOptions: { globals: { process: 'readonly', require: 'readonly', module: 'writable' } } },
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
