import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'reports/', '.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', {
        paths: [{ name: 'child_process', message: 'Use the Host layer (harness/host) to run commands.' }],
      }],
    },
  },
  {
    // Statistics are a leaf: pure functions of numbers, importing nothing else from harness/.
    files: ['harness/stats/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'child_process', message: 'Use the Host layer (harness/host) to run commands.' }],
        patterns: [{ regex: '^\\.\\./', message: 'harness/stats/ imports nothing from the rest of harness/ (it is a leaf).' }],
      }],
    },
  },
  { files: ['**/*.js', '**/*.cjs'], languageOptions: { globals: { process: 'readonly', require: 'readonly', module: 'writable' } } },
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
