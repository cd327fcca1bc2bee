import nx from '@nx/eslint-plugin';

/**
 * Lint is here for one rule above all: module boundaries. Apps never import apps; an app or
 * tool depends only on shared libs; shared libs' production code never depends on test helpers.
 */
const constraints = (forTests) => [
  // tests of an app may start the dev tools (Stripe sandbox, SMTP capture) in-process
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: forTests ? ['type:lib', 'type:tool'] : ['type:lib'] },
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib'] },
  ...(forTests ? [] : [{ sourceTag: 'scope:shared', notDependOnLibsWithTags: ['scope:test'] }]),
];

const boundaries = (forTests) => [
  'error',
  { enforceBuildableLibDependency: false, allowCircularSelfDependency: false, depConstraints: constraints(forTests) },
];

const TEST_FILES = ['**/*.spec.ts', '**/test/**/*.ts', '**/testing/**/*.ts'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '.cache/**', '.nx/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries(false),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  { files: TEST_FILES, rules: { '@nx/enforce-module-boundaries': boundaries(true) } },
];
