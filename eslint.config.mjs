import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nx from '@nx/eslint-plugin';

/**
 * Lint is here for the boundaries above all:
 * - between projects (@nx/enforce-module-boundaries): apps never import apps; an app or tool
 *   depends only on shared libs; shared libs' production code never depends on test helpers;
 * - between layers inside an app (no-restricted-imports, see `layerRules`): domain/ is pure, and a
 *   module does not reach into another module's infrastructure/;
 * - between test tiers (@typescript-eslint/no-restricted-imports on *.unit.spec.ts): a unit spec
 *   imports nothing that starts a process or opens a socket or a file.
 * test/lint-rules.int.spec.ts proves the last two fire.
 */
const constraints = (forTests) => [
  // tests of an app may start the dev tools (Stripe sandbox, SMTP capture) in-process
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: forTests ? ['type:lib', 'type:tool'] : ['type:lib'] },
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib'] },
  // production code never imports the test helpers (scope:test). Direct imports only
  // (onlyDependOnLibsWithTags): notDependOnLibsWithTags also follows dependencies, and the graph
  // has edges from a lib's own specs (messaging -> testing) that would make every app fail it.
  ...(forTests
    ? []
    : [
        { sourceTag: 'scope:shared', notDependOnLibsWithTags: ['scope:test'] },
        { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['scope:shared'] },
        { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['scope:shared'] },
      ]),
];

const boundaries = (forTests) => [
  'error',
  { enforceBuildableLibDependency: false, allowCircularSelfDependency: false, depConstraints: constraints(forTests) },
];

// test code: specs, test helpers, and the scenario folders (Lago's scenarios/: full flows and their harness)
const TEST_FILES = ['**/*.spec.ts', '**/test/**/*.ts', '**/testing/**/*.ts', '**/scenarios/**/*.ts'];

/** The modules of each app: folders of apps/<app>/src holding domain/, application/ or infrastructure/. */
const LAYERS = ['domain', 'application', 'infrastructure'];
const ROOT = fileURLToPath(new URL('.', import.meta.url));
const dirs = (path) => readdirSync(join(ROOT, path), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
const appModules = dirs('apps').flatMap((app) =>
  existsSync(join(ROOT, `apps/${app}/src`))
    ? dirs(`apps/${app}/src`)
        .filter((module) => LAYERS.some((layer) => existsSync(join(ROOT, `apps/${app}/src/${module}/${layer}`))))
        .map((module) => ({ app, module }))
    : [],
);

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const DOMAIN_BANS = [
  { regex: '(^|/)(application|infrastructure)(/|$)', message: 'domain/ is pure: it does not import application/ or infrastructure/.' },
  { regex: '^(node:)?fs(/.*)?$', message: 'domain/ does no I/O: read files in infrastructure/ and pass the contents in.' },
  { regex: '^(typeorm|pg|kafkajs|@nestjs/[^/]+|@billing/messaging)(/.*)?$', message: 'domain/ knows no database, broker or framework: that is infrastructure/.' },
];

/**
 * Layer rules inside each app, for production code (tests may wire layers together). One block per
 * module, and one for its domain/ that repeats the module's rule: a later block replaces, not
 * extends, the options of the same rule.
 */
const layerRules = appModules.flatMap(({ app, module }) => {
  const others = appModules.filter((m) => m.app === app && m.module !== module);
  const crossModule = others.map((other) => ({
    regex: `(^|/)${escape(other.module)}/infrastructure(/|$)`,
    message: `${app}/${module} does not reach into ${app}/${other.module}/infrastructure/: import what ${other.module} publishes (${app}/src/${other.module}/index.ts).`,
  }));
  const rule = (patterns) => (patterns.length > 0 ? { 'no-restricted-imports': ['error', { patterns }] } : {});
  return [
    { files: [`apps/${app}/src/${module}/**/*.ts`], ignores: TEST_FILES, rules: rule(crossModule) },
    { files: [`apps/${app}/src/${module}/domain/**/*.ts`], ignores: TEST_FILES, rules: rule([...crossModule, ...DOMAIN_BANS]) },
  ];
});

/** Unit tier: `*.unit.spec.ts` touch no process, socket or file (those are `*.int.spec.ts`). */
const IO_MODULES = 'fs|child_process|net|http|https|http2|dgram|worker_threads';
const IO_PACKAGES = 'kafkajs|pg|typeorm|nodemailer|smtp-server|supertest|@billing/stripe-sandbox|@billing/smtp-capture';
const unitTier = {
  files: ['**/*.unit.spec.ts'],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: `^(node:)?(${IO_MODULES})(/.*)?$`,
            message: 'A unit spec does no I/O (process, socket, file): name it *.int.spec.ts.',
          },
          {
            regex: `^(${IO_PACKAGES})(/.*)?$`,
            message: 'A unit spec talks to no broker, database or server: name it *.int.spec.ts.',
          },
          { regex: '(^|/)load-templates$', message: 'Loading templates reads files: a spec that does it is *.int.spec.ts.' },
        ],
      },
    ],
  },
};

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
  ...layerRules,
  unitTier,
];
