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

describe('layer rules, as npm run lint checks them', () => {
  const cases = {
    domainReadsAFile: { filePath: DOMAIN, code: "import { readFile } from 'node:fs/promises';\nexport const read = readFile;\n" },
    domainImportsInfrastructure: { filePath: DOMAIN, code: "export { loadTemplates } from '../infrastructure/load-templates';\n" },
    domainImportsApplication: { filePath: DOMAIN, code: "export * from '../application/send-emails/send-emails';\n" },
    domainImportsTypeorm: { filePath: DOMAIN, code: "export { EntityManager } from 'typeorm';\n" },
    domainImportsKafka: { filePath: DOMAIN, code: "export { Kafka } from 'kafkajs';\n" },
    pureDomain: { filePath: DOMAIN, code: "export { renderEmail } from './render-email';\nexport { formatMoney } from '@billing/i18n';\n" },
    reachesIntoAnotherModule: {
      filePath: MONTH_CLOSE,
      code: "export { accountRepository } from '../../../accounts/infrastructure/account.repository';\n",
    },
    usesWhatAModulePublishes: { filePath: MONTH_CLOSE, code: "export { accountRepository } from '../../../accounts';\n" },
    ownInfrastructure: { filePath: MONTH_CLOSE, code: "export { invoiceRepository } from '../../infrastructure/invoice.repository';\n" },
  };
  let findings: Record<keyof typeof cases, Finding[]>;

  beforeAll(async () => {
    const names = Object.keys(cases) as (keyof typeof cases)[];
    const results = await lint(names.map((name) => cases[name]));
    findings = Object.fromEntries(names.map((name, i) => [name, results[i]])) as typeof findings;
  });

  const restricted = (list: Finding[]) => list.filter((f) => f.ruleId === 'no-restricted-imports').map((f) => f.message);

  it('rejects file, database and broker access in domain/', () => {
    expect(restricted(findings.domainReadsAFile)).toEqual([expect.stringContaining('domain/ does no I/O')]);
    expect(restricted(findings.domainImportsTypeorm)).toEqual([expect.stringContaining('domain/ knows no database, broker or framework')]);
    expect(restricted(findings.domainImportsKafka)).toEqual([expect.stringContaining('domain/ knows no database, broker or framework')]);
  });

  it('rejects imports from application/ and infrastructure/ in domain/', () => {
    expect(restricted(findings.domainImportsInfrastructure)).toEqual([expect.stringContaining('domain/ is pure')]);
    expect(restricted(findings.domainImportsApplication)).toEqual([expect.stringContaining('domain/ is pure')]);
  });

  it('lets domain/ import its own pure code and shared libs', () => {
    expect(findings.pureDomain).toEqual([]);
  });

  it("rejects a module reaching into another module's infrastructure/, and accepts what that module publishes", () => {
    expect(restricted(findings.reachesIntoAnotherModule)).toEqual([
      expect.stringContaining('invoicing/invoicing does not reach into invoicing/accounts/infrastructure/'),
    ]);
    expect(findings.usesWhatAModulePublishes).toEqual([]);
    expect(findings.ownInfrastructure).toEqual([]);
  });
});
