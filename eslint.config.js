// Lint: the recommended JS and TypeScript rules, plus "no any" for the library itself.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/dist/', 'bench/results/', 'native/build/', 'docs/api/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**', 'examples/**', 'bench/**'],
    rules: { '@typescript-eslint/no-unused-expressions': 'off' },
  },
);
