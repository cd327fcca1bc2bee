// One Jest run for the whole workspace. Test tiers are told apart by file suffix:
//   *.unit.spec.ts  pure logic, no I/O: no process, socket or file (lint checks their imports)
//   *.int.spec.ts   against the real Kafka broker and PostgreSQL (unique topics/databases per test file),
//                   files or child processes
//   *.e2e.spec.ts   whole processes (services, sandbox, SMTP capture)
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`]),
);

const swc = ['@swc/jest', { ...require('./swc-options.js'), sourceMaps: 'inline' }];

const tier = (name, suffix, extra = {}) => ({
  displayName: name,
  rootDir: __dirname,
  testMatch: [`<rootDir>/{apps,libs,tools,test}/**/*.${suffix}.spec.ts`],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper,
  testEnvironment: 'node',
  ...extra,
});

module.exports = {
  projects: [
    tier('unit', 'unit'),
    tier('int', 'int', { globalSetup: '<rootDir>/test/global-setup.js', setupFilesAfterEnv: ['<rootDir>/test/slow-setup.js'] }),
    tier('e2e', 'e2e', { globalSetup: '<rootDir>/test/global-setup.js', setupFilesAfterEnv: ['<rootDir>/test/slow-setup.js'] }),
  ],
};
