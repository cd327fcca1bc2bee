import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { dropDatabase, openServiceDatabase } from '@billing/messaging';
import { DATABASE_SERVER_URL, planNodesOf, uniqueName } from '@billing/testing';
import { paymentsMigrations } from '../../database';
import { AttemptResolution, NewAttempt } from '../domain/charge-attempt';
import { chargeIdempotencyKey } from '../domain/decide-charge';
import { countChargeBacklog, insertAttempts, resolvePendingAttempts } from './charge-attempt-store';
import { saveInvoiceSnapshots } from './invoice-snapshot-store';

/**
 * What the charge backlog counted before `first_outcome_at`: every invoice whose attempt 1 has no
 * outcome (no row, or pending), found by an anti-join over all invoices of every month. The
 * count from the new column must equal it in every state.
 */
const ANTI_JOIN_AWAITING = `
  SELECT count(*)::int AS awaiting FROM payment_invoices i
  WHERE NOT EXISTS (SELECT 1 FROM charge_attempts a WHERE a.invoice_id = i.invoice_id AND a.attempt = 1 AND a.status <> 'pending')`;

const NOW = new Date('2026-12-01T00:00:00.000Z');
const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);

const snapshot = (invoiceId: string) => ({
  invoiceId,
  accountId: `acct-${invoiceId.slice(0, 8)}`,
  invoiceNumber: `INV-${invoiceId.slice(0, 8)}`,
  currency: 'USD' as const,
  totalMinor: 1999,
  customer: { name: 'Ada', email: 'ada@example.com', locale: 'en-US', timeZone: 'UTC' },
  providerCustomerId: 'cus_test',
  paymentMethodId: 'pm_card_visa',
  collection: null,
  issuedAt: NOW.toISOString(),
  dueAt: at(60 * 24 * 14).toISOString(),
  correlationId: 'run-1',
  sourceEventId: randomUUID(),
});

const pending = (invoiceId: string, attempt: number): NewAttempt => ({
  invoiceId,
  attempt,
  idempotencyKey: chargeIdempotencyKey(invoiceId, attempt),
  amountMinor: 1999,
  currency: 'USD',
  providerAmount: 1999,
  providerCurrency: 'usd',
  paymentMethodId: 'pm_card_visa',
  providerCustomerId: 'cus_test',
  skipReason: null,
  requestedByEventId: randomUUID(),
  correlationId: 'run-1',
});

const skipped = (invoiceId: string, attempt: number): NewAttempt => ({
  ...pending(invoiceId, attempt),
  providerAmount: null,
  providerCurrency: null,
  paymentMethodId: null,
  providerCustomerId: null,
  amountMinor: 0,
  skipReason: 'nothing_to_collect',
});

const outcome = (invoiceId: string, attempt: number, status: 'succeeded' | 'failed'): AttemptResolution => ({
  invoiceId,
  attempt,
  status,
  providerPaymentIntentId: `pi_${invoiceId.slice(0, 8)}_${attempt}`,
  providerChargeId: status === 'succeeded' ? `ch_${invoiceId.slice(0, 8)}_${attempt}` : null,
  errorCode: status === 'failed' ? 'card_declined' : null,
  declineCode: status === 'failed' ? 'insufficient_funds' : null,
  errorMessage: status === 'failed' ? 'Your card has insufficient funds.' : null,
  retryable: status === 'failed' ? true : null,
});

describe('charge backlog: invoices awaiting their first outcome', () => {
  const database = uniqueName('paymentsbacklog');
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await openServiceDatabase({ serverUrl: DATABASE_SERVER_URL, database, migrations: paymentsMigrations });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropDatabase(DATABASE_SERVER_URL, database);
  });

  const inTransaction = <T>(work: (manager: EntityManager) => Promise<T>) => dataSource.transaction(work);

  /** The backlog's count and the anti-join's, read in the same database at the same moment. */
  async function awaiting(): Promise<{ counted: number; antiJoin: number }> {
    return inTransaction(async (manager) => {
      const { invoicesAwaitingFirstOutcome } = await countChargeBacklog(manager);
      const [{ awaiting: antiJoin }] = await manager.query(ANTI_JOIN_AWAITING);
      return { counted: invoicesAwaitingFirstOutcome, antiJoin };
    });
  }

  it('equals the anti-join through every state an invoice passes, whoever records the outcome', async () => {
    const [paid, declined, webhook, inFlight, nothingDue, unplanned, retryOnly] = Array.from({ length: 7 }, () => randomUUID());
    const all = [paid, declined, webhook, inFlight, nothingDue, unplanned, retryOnly];

    // given seven invoices received, none planned yet
    await inTransaction((m) => saveInvoiceSnapshots(m, all.map(snapshot), at(0)));
    expect(await awaiting()).toEqual({ counted: 7, antiJoin: 7 });

    // when the plan commits attempt 1 pending for four of them (before the provider calls)
    await inTransaction((m) => insertAttempts(m, [paid, declined, webhook, inFlight].map((i) => pending(i, 1)), at(1)));
    expect(await awaiting()).toEqual({ counted: 7, antiJoin: 7 });

    // and the record step skips one (nothing to collect) and resolves two; the webhook resolves a third
    await inTransaction(async (m) => {
      await insertAttempts(m, [skipped(nothingDue, 1)], at(2));
      await resolvePendingAttempts(m, [outcome(paid, 1, 'succeeded'), outcome(declined, 1, 'failed')], at(2), 'consumer');
    });
    await inTransaction((m) => resolvePendingAttempts(m, [outcome(webhook, 1, 'failed')], at(3), 'webhook'));
    expect(await awaiting()).toEqual({ counted: 3, antiJoin: 3 }); // inFlight (pending), unplanned and retryOnly (no row)

    // and a redelivery records the same outcomes again, and the consumer loses the race for the webhook's attempt
    await inTransaction(async (m) => {
      await insertAttempts(m, [skipped(nothingDue, 1)], at(4));
      await resolvePendingAttempts(m, [outcome(paid, 1, 'succeeded'), outcome(webhook, 1, 'succeeded')], at(4), 'consumer');
    });
    expect(await awaiting()).toEqual({ counted: 3, antiJoin: 3 });

    // and dunning retries the declined invoice (attempt 2 pending, then paid) and an attempt 2 arrives for an invoice with no attempt 1
    await inTransaction((m) => insertAttempts(m, [pending(declined, 2), pending(retryOnly, 2)], at(5)));
    expect(await awaiting()).toEqual({ counted: 3, antiJoin: 3 });
    await inTransaction((m) =>
      resolvePendingAttempts(m, [outcome(declined, 2, 'succeeded'), outcome(retryOnly, 2, 'failed'), outcome(inFlight, 1, 'failed')], at(6), 'consumer'),
    );

    // then only the invoices whose attempt 1 never got an outcome are still awaited
    expect(await awaiting()).toEqual({ counted: 2, antiJoin: 2 });
    const stamps = await dataSource.query(
      `SELECT i.invoice_id, i.first_outcome_at, a.resolved_at FROM payment_invoices i
       LEFT JOIN charge_attempts a ON a.invoice_id = i.invoice_id AND a.attempt = 1 AND a.status <> 'pending'`,
    );
    for (const row of stamps) expect(row.first_outcome_at).toEqual(row.resolved_at); // attempt 1's outcome time, or both null
    expect(stamps.filter((r: { first_outcome_at: Date | null }) => r.first_outcome_at === null).map((r: { invoice_id: string }) => r.invoice_id).sort()).toEqual(
      [unplanned, retryOnly].sort(),
    );
  });

  it('counts through its partial index, not through every invoice of past months', async () => {
    // given 10,000 invoices of past closes, all charged, and three awaiting
    const history = Array.from({ length: 10_000 }, () => randomUUID());
    await inTransaction(async (m) => {
      await saveInvoiceSnapshots(m, history.map(snapshot), at(0));
      await insertAttempts(m, history.map((i) => pending(i, 1)), at(1));
      await resolvePendingAttempts(m, history.map((i, n) => outcome(i, 1, n % 5 === 0 ? 'failed' : 'succeeded')), at(2), 'consumer');
    });
    const waiting = Array.from({ length: 3 }, () => randomUUID());
    await inTransaction((m) => saveInvoiceSnapshots(m, waiting.map(snapshot), at(3)));
    await dataSource.query('VACUUM ANALYZE payment_invoices');

    // when the backlog's statement is explained instead of run
    const plan = await planNodesOf(dataSource, countChargeBacklog, [{ awaiting: 0, pending: 0 }]);

    // then
    const onInvoices = plan.filter((n) => n['Relation Name'] === 'payment_invoices');
    expect(onInvoices.map((n) => [n['Node Type'], n['Index Name']])).toEqual([['Index Only Scan', 'payment_invoices_awaiting_first_outcome']]);
    expect(plan.filter((n) => n['Node Type'] === 'Seq Scan')).toEqual([]); // pending attempts: charge_attempts_pending
    expect(await awaiting()).toEqual({ counted: 5, antiJoin: 5 }); // the first test's two and these three
  });
});

describe('first_outcome_at migration', () => {
  const database = uniqueName('paymentsfirstoutcome');

  afterAll(() => dropDatabase(DATABASE_SERVER_URL, database));

  it('stamps each invoice from its attempt 1 outcome, so the count equals the anti-join on existing data', async () => {
    // given the schema before the column, with an invoice in each state
    const before = await openServiceDatabase({
      serverUrl: DATABASE_SERVER_URL,
      database,
      migrations: paymentsMigrations.filter((m) => m.name !== 'FirstOutcomeAt1764300021200'),
    });
    const ids = { none: randomUUID(), pending: randomUUID(), succeeded: randomUUID(), failed: randomUUID(), skipped: randomUUID(), retrying: randomUUID() };
    for (const invoiceId of Object.values(ids)) {
      await before.query(
        `INSERT INTO payment_invoices (invoice_id, account_id, invoice_number, currency, total_minor, customer, issued_at, due_at,
           correlation_id, source_event_id, received_at)
         VALUES ($1, 'acct-1', $2, 'USD', 1999, '{}', now(), now(), 'run-1', gen_random_uuid(), now())`,
        [invoiceId, `INV-${invoiceId}`],
      );
    }
    const attempt = (invoiceId: string, n: number, status: string, resolvedAt: string | null) =>
      before.query(
        `INSERT INTO charge_attempts (invoice_id, attempt, idempotency_key, status, amount_minor, currency, provider_amount, provider_currency,
           skip_reason, requested_by_event_id, correlation_id, requested_at, resolved_at)
         VALUES ($1, $2, $3, $4, 1999, 'USD', CASE WHEN $4 = 'skipped' THEN NULL ELSE 1999 END, 'usd',
           CASE WHEN $4 = 'skipped' THEN 'nothing_to_collect' END, 'evt', 'run-1', now(), $5)`,
        [invoiceId, n, chargeIdempotencyKey(invoiceId, n), status, resolvedAt],
      );
    await attempt(ids.pending, 1, 'pending', null);
    await attempt(ids.succeeded, 1, 'succeeded', '2026-11-01T00:00:01Z');
    await attempt(ids.failed, 1, 'failed', '2026-11-01T00:00:02Z');
    await attempt(ids.skipped, 1, 'skipped', '2026-11-01T00:00:03Z');
    await attempt(ids.retrying, 1, 'failed', '2026-11-01T00:00:04Z');
    await attempt(ids.retrying, 2, 'pending', null);
    const [{ awaiting: antiJoinBefore }] = await before.query(ANTI_JOIN_AWAITING);
    await before.destroy();

    // when the service's migrations run
    const after = await openServiceDatabase({ serverUrl: DATABASE_SERVER_URL, database, migrations: paymentsMigrations });
    try {
      const { invoicesAwaitingFirstOutcome } = await countChargeBacklog(after.manager);
      const stamps = new Map<string, string | null>(
        (await after.query('SELECT invoice_id, first_outcome_at FROM payment_invoices')).map((r: { invoice_id: string; first_outcome_at: Date | null }) => [
          r.invoice_id,
          r.first_outcome_at?.toISOString() ?? null,
        ]),
      );

      // then
      expect(antiJoinBefore).toBe(2);
      expect(invoicesAwaitingFirstOutcome).toBe(antiJoinBefore);
      expect(Object.fromEntries(Object.entries(ids).map(([state, id]) => [state, stamps.get(id)]))).toEqual({
        none: null,
        pending: null,
        succeeded: '2026-11-01T00:00:01.000Z',
        failed: '2026-11-01T00:00:02.000Z',
        skipped: '2026-11-01T00:00:03.000Z',
        retrying: '2026-11-01T00:00:04.000Z',
      });
    } finally {
      await after.destroy();
    }
  });
});
