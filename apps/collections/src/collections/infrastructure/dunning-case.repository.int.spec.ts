import { DataSource } from 'typeorm';
import { dropDatabase, openServiceDatabase } from '@billing/messaging';
import { DATABASE_SERVER_URL, planNodesOf, uniqueName } from '@billing/testing';
import { collectionsMigrations } from '../../database';
import { lockCasesForAccounts } from './dunning-case.repository';

/** The cases a decision locks: which ones, in which order, and through which indexes once history piles up. */
describe('lockCasesForAccounts', () => {
  const database = uniqueName('collectionscases');
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await openServiceDatabase({ serverUrl: DATABASE_SERVER_URL, database, migrations: collectionsMigrations });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropDatabase(DATABASE_SERVER_URL, database);
  });

  const insertCase = (caseId: string, invoiceId: string, accountId: string, status: string) =>
    dataSource.query(
      `INSERT INTO dunning_cases (case_id, invoice_id, invoice_number, account_id, amount_minor, currency, customer, due_at,
         first_failed_at, attempts_made, last_attempt, status, correlation_id, last_event_id)
       VALUES ($1, $2, $5, $3, 1000, 'USD', '{}', now(), now(), 1, '{}', $4, 'run', gen_random_uuid())`,
      [caseId, invoiceId, accountId, status, `INV-${caseId}`],
    );

  /** Case ids sort in the order of their first hex digit; invoice ids are the case id with an `f` in front. */
  const id = (digit: string) => `${digit.repeat(8)}-${digit.repeat(4)}-4${digit.repeat(3)}-8${digit.repeat(3)}-${digit.repeat(12)}`;
  const invoice = (digit: string) => id(digit).replace(/^./, 'f');
  const lock = (accountIds: string[], invoiceIds: string[]) =>
    dataSource.transaction(async (manager) => (await lockCasesForAccounts(manager, accountIds, invoiceIds)).map((s) => s.case.caseId));

  describe('with a handful of cases', () => {
    beforeAll(async () => {
      // acct-a: three unpaid cases and a paid one; acct-b: unpaid, never asked for; acct-c: a paid case named by invoice, an unpaid one not
      await insertCase(id('5'), invoice('5'), 'acct-a', 'retrying');
      await insertCase(id('2'), invoice('2'), 'acct-a', 'exhausted');
      await insertCase(id('9'), invoice('9'), 'acct-a', 'action_required');
      await insertCase(id('1'), invoice('1'), 'acct-a', 'paid');
      await insertCase(id('3'), invoice('3'), 'acct-b', 'retrying');
      await insertCase(id('7'), invoice('7'), 'acct-c', 'paid');
      await insertCase(id('4'), invoice('4'), 'acct-c', 'retrying');
    });

    it("returns the accounts' unpaid cases and the named invoices' cases of any status, each once, in case id order", async () => {
      // when acct-a is decided for, naming one of its unpaid invoices, its paid one, acct-c's paid one and an unknown invoice
      const cases = await lock(['acct-a'], [invoice('2'), invoice('1'), invoice('7'), invoice('e')]);

      // then
      expect(cases).toEqual([id('1'), id('2'), id('5'), id('7'), id('9')]);
    });

    it("returns only the accounts' unpaid cases when no invoice is named (the scheduler's hold pass)", async () => {
      expect(await lock(['acct-a', 'acct-b'], [])).toEqual([id('2'), id('3'), id('5'), id('9')]);
    });

    it('returns only the named invoices\' cases when no account is named', async () => {
      expect(await lock([], [invoice('7'), invoice('4')])).toEqual([id('4'), id('7')]);
    });

    it('locks the cases it returns and no other', async () => {
      const other = dataSource.createQueryRunner();
      await other.connect();
      const tryLock = (caseId: string) => other.query('SELECT 1 FROM dunning_cases WHERE case_id = $1 FOR UPDATE NOWAIT', [caseId]);
      try {
        await dataSource.transaction(async (manager) => {
          await lockCasesForAccounts(manager, ['acct-a'], []);
          await expect(tryLock(id('5'))).rejects.toMatchObject({ code: '55P03' }); // lock_not_available
          await expect(tryLock(id('1'))).resolves.toHaveLength(1); // acct-a's paid case, not named
          await expect(tryLock(id('3'))).resolves.toHaveLength(1); // acct-b
        });
      } finally {
        await other.release();
      }
    });
  });

  describe('after many closes (50,000 paid cases behind a few unpaid ones, analysed)', () => {
    const accounts = [...Array.from({ length: 100 }, (_, n) => `hist-${n}`), 'hist-1000'];
    let paidInvoices: string[];

    beforeAll(async () => {
      // 5,000 accounts with ten cases each; every thousandth case is unpaid (all of them on hist-0, hist-1000, …, hist-4000)
      await dataSource.query(
        `INSERT INTO dunning_cases (case_id, invoice_id, invoice_number, account_id, amount_minor, currency, customer, due_at,
           first_failed_at, attempts_made, last_attempt, status, correlation_id, last_event_id)
         SELECT gen_random_uuid(), gen_random_uuid(), 'HIST-' || g, 'hist-' || (g % 5000), 1000, 'USD', '{}', now(), now(), 1, '{}',
                CASE WHEN g % 1000 = 0 THEN 'exhausted' ELSE 'paid' END, 'run', gen_random_uuid()
         FROM generate_series(1, 50000) AS g`,
      );
      await dataSource.query('ANALYZE dunning_cases');
      paidInvoices = (
        await dataSource.query(`SELECT invoice_id FROM dunning_cases WHERE invoice_number IN ('HIST-7', 'HIST-12345', 'HIST-49999')`)
      ).map((r: { invoice_id: string }) => r.invoice_id);
    });

    it('still returns exactly the unpaid cases of the accounts and the named invoices\' cases, in order', async () => {
      const rows = await dataSource.transaction((manager) => lockCasesForAccounts(manager, accounts, paidInvoices));

      const ids = rows.map((r) => r.case.caseId);
      expect(ids).toEqual([...ids].sort());
      expect(new Set(ids).size).toBe(ids.length);
      const named = rows.filter((r) => paidInvoices.includes(r.case.invoiceId));
      const unpaid = rows.filter((r) => !paidInvoices.includes(r.case.invoiceId));
      expect(named.map((r) => r.case.status)).toEqual(['paid', 'paid', 'paid']);
      expect(unpaid).toHaveLength(20); // hist-0 and hist-1000: ten unpaid cases each
      expect(unpaid.every((r) => r.case.status === 'exhausted' && ['hist-0', 'hist-1000'].includes(r.case.accountId))).toBe(true);
    });

    it("reads through the unpaid-cases and invoice indexes, never scanning all of history", async () => {
      // when the production statement is explained instead of run
      const plan = await planNodesOf(dataSource, (manager) => lockCasesForAccounts(manager, accounts, paidInvoices));

      // then
      const scans = plan.filter((n) => n['Relation Name'] === 'dunning_cases' || n['Index Name'] !== undefined);
      expect(scans.filter((n) => n['Node Type'] === 'Seq Scan')).toEqual([]);
      expect(scans.map((n) => n['Index Name']).filter(Boolean).sort()).toEqual(['dunning_cases_account_unpaid', 'dunning_cases_invoice_id_key']);
    });
  });
});
