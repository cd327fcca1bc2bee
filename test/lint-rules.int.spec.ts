import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const WORKSPACE = path.join(__dirname, '..');

interface Finding {
  ruleId: string | null;
  message: string;
}

/** What `npm run lint` reports for each snippet of code if it were the file at `filePath`. */
async function lint(snippets: { filePath: string; code: string }[]): Promise<Finding[][]> {
  const child = run('node', [path.join(__dirname, 'lint-snippets.mjs')], { cwd: WORKSPACE, maxBuffer: 16 * 1024 * 1024 });
  child.child.stdin!.end(JSON.stringify(snippets));
  const { stdout } = await child;
  return JSON.parse(stdout) as Finding[][];
}

const DOMAIN = 'apps/notifications/src/notifications/domain/layer-fixture.ts';
const MONTH_CLOSE = 'apps/invoicing/src/invoicing/application/run-month-close/layer-fixture.ts';
const UNIT_SPEC = 'apps/notifications/src/notifications/domain/tier-fixture.unit.spec.ts';
const INT_SPEC = 'apps/notifications/src/notifications/domain/tier-fixture.int.spec.ts';

const LAYER = 'no-restricted-imports';
const TIER = '@typescript-eslint/no-restricted-imports';

interface Case {
  name: string;
  filePath: string;
  code: string;
  /** The rule that must reject it and a part of its message; none: lint must accept it. */
  rejectedBy?: [rule: string, message: string];
}

const CASES: Case[] = [
  {
    name: 'domain/ reading a file',
    filePath: DOMAIN,
    code: "import { readFile } from 'node:fs/promises';\nexport const read = readFile;\n",
    rejectedBy: [LAYER, 'domain/ does no I/O'],
  },
  { name: 'domain/ using TypeORM', filePath: DOMAIN, code: "export { EntityManager } from 'typeorm';\n", rejectedBy: [LAYER, 'domain/ knows no database'] },
  { name: 'domain/ using kafkajs', filePath: DOMAIN, code: "export { Kafka } from 'kafkajs';\n", rejectedBy: [LAYER, 'domain/ knows no database'] },
  {
    name: 'domain/ importing infrastructure/',
    filePath: DOMAIN,
    code: "export { loadTemplates } from '../infrastructure/load-templates';\n",
    rejectedBy: [LAYER, 'domain/ is pure'],
  },
  {
    name: 'domain/ importing application/',
    filePath: DOMAIN,
    code: "export * from '../application/send-emails/send-emails';\n",
    rejectedBy: [LAYER, 'domain/ is pure'],
  },
  { name: 'domain/ importing its own pure code and shared libs', filePath: DOMAIN, code: "export { renderEmail } from './render-email';\nexport { formatMoney } from '@billing/i18n';\n" },
  {
    name: "a use case reaching into another module's infrastructure/",
    filePath: MONTH_CLOSE,
    code: "export { accountRepository } from '../../../accounts/infrastructure/account.repository';\n",
    rejectedBy: [LAYER, 'invoicing/invoicing does not reach into invoicing/accounts/infrastructure/'],
  },
  { name: 'a use case importing what another module publishes', filePath: MONTH_CLOSE, code: "export { accountRepository } from '../../../accounts';\n" },
  { name: "a use case importing its own module's infrastructure/", filePath: MONTH_CLOSE, code: "export { invoiceRepository } from '../../infrastructure/invoice.repository';\n" },
  {
    name: 'a unit spec starting a process',
    filePath: UNIT_SPEC,
    code: "import { execFile } from 'node:child_process';\nit('runs', () => expect(execFile).toBeDefined());\n",
    rejectedBy: [TIER, 'A unit spec does no I/O'],
  },
  {
    name: 'a unit spec reading the email templates',
    filePath: UNIT_SPEC,
    code: "import { loadTemplates } from '../infrastructure/load-templates';\nit('loads', () => expect(loadTemplates).toBeDefined());\n",
    rejectedBy: [TIER, 'Loading templates reads files'],
  },
  {
    name: 'a unit spec talking to Kafka',
    filePath: UNIT_SPEC,
    code: "import { Kafka } from 'kafkajs';\nit('connects', () => expect(Kafka).toBeDefined());\n",
    rejectedBy: [TIER, 'A unit spec talks to no broker'],
  },
  { name: 'a pure unit spec', filePath: UNIT_SPEC, code: "import { renderEmail } from './render-email';\nit('renders', () => expect(renderEmail).toBeDefined());\n" },
  { name: 'an int spec starting a process', filePath: INT_SPEC, code: "import { execFile } from 'node:child_process';\nit('runs', () => expect(execFile).toBeDefined());\n" },
];

describe('layer and test-tier rules, as npm run lint checks them', () => {
  const findings = new Map<string, Finding[]>();

  beforeAll(async () => {
    const results = await lint(CASES.map(({ filePath, code }) => ({ filePath, code })));
    CASES.forEach(({ name }, i) => findings.set(name, results[i]));
  });

  it.each(CASES.filter((c) => c.rejectedBy).map((c) => [c.name, ...c.rejectedBy!]))('rejects %s (%s)', (name, rule, message) => {
    const messages = findings.get(name)!.filter((f) => f.ruleId === rule).map((f) => f.message);
    expect(messages).toEqual([expect.stringContaining(message)]);
  });

  it.each(CASES.filter((c) => !c.rejectedBy).map((c) => c.name))('accepts %s', (name) => {
    expect(findings.get(name)).toEqual([]);
  });
});
