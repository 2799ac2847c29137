import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { LAYERS } from './test/architecture/layers.mjs';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'templates/**', 'examples/**/node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // core and ml speak through the injected IoHost; only the CLI edge may touch the console.
    files: ['scripts/**', 'test/**', 'bin/**', 'templates/**'],
    rules: { 'no-console': 'off' },
  },
  // Static imports up the floors of DESIGN.md §2 are flagged as they are typed; test/architecture checks
  // every form (import(), require) over the tree.
  ...LAYERS.map((layer, index) => ({
    files: layer.paths.map((p) => (p.endsWith('/') ? `${p}**` : p)),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: LAYERS.slice(index + 1).flatMap((above) =>
            above.paths
              .filter((p) => p.endsWith('/'))
              .map((p) => ({
                group: [`**/${p.replace(/^src\//, '')}**`],
                message: `${layer.floor} is below ${above.floor} (DESIGN.md §2): import downwards only`,
              })),
          ),
        },
      ],
    },
  })),
);
