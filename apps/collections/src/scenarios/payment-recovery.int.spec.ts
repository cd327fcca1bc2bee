import { DataSource } from 'typeorm';
import { TOPICS } from '@billing/events';
import { dropDatabase } from '@billing/messaging';
import { DATABASE_SERVER_URL, uniqueName, uniquePrefix, waitFor } from '@billing/testing';
import {
  CollectionsTopicWatcher,
  InvoiceRef,
  PaymentsTopic,
  RunningCollections,
  TOKENS,
  TopicProducer,
  bootCollections,
  chargeFailed,
  chargeSkipped,
  chargeSucceeded,
  collectionsEnv,
  creditNoteSettled,
  deleteTopics,
  invoiceGenerated,
  newInvoice,
  paymentMethodChanged,
  paymentRecorded,
  prepareTopics,
  sleep,
} from './harness';

const OLD_CARD = 'pm_card_chargeCustomerFail';
const NEW_CARD = 'pm_card_visa';

/**
 * Getting a paying customer out of dunning against the real broker and database: invoicing and
 * payments are played by producing their events; the schedule runs in seconds (retries 2s, 4s
 * and 6s after the first failure, holds 1s after a failure retrying cannot fix).
 */
describe('collections: paying out of dunning', () => {
  const database = uniqueName('collections');
  const prefix = uniquePrefix('collections');
  let service: RunningCollections;
  let dataSource: DataSource;
  let payments: PaymentsTopic;
  let invoicing: TopicProducer;
  let watcher: CollectionsTopicWatcher;
  /** Invoices whose card declines every requested retry on the old card; the new card succeeds. */
  const cards = new Map<string, { invoice: InvoiceRef; card: string }>();

  beforeAll(async () => {
    await prepareTopics(prefix);
    service = await bootCollections(collectionsEnv(database, prefix, { DUNNING_RETRY_OFFSETS: '2s,4s,6s', DUNNING_HOLD_GRACE: '1s' }));
    dataSource = service.runtime.dataSource;
    payments = new PaymentsTopic(prefix);
    invoicing = new TopicProducer(prefix, TOPICS.invoices);
    await payments.connect();
    await invoicing.connect();
    watcher = new CollectionsTopicWatcher(prefix);
    watcher.onEvent(async (event) => {
      if (event.type !== 'ChargeRetryRequested') return;
      const played = cards.get(event.payload.invoiceId);
      if (!played) return;
      const { invoice, card } = played;
      await payments.produce(
        card === NEW_CARD
          ? chargeSucceeded(invoice, event.payload.attempt)
          : chargeFailed(invoice, event.payload.attempt, { paymentMethodId: card }),
      );
    });
    await watcher.start();
  });

  afterAll(async () => {
    await watcher?.stop();
    await payments?.disconnect();
    await invoicing?.disconnect();
    await service?.close();
    await deleteTopics(prefix);
    await dropDatabase(DATABASE_SERVER_URL, database);
  });

  const caseOf = async (invoiceId: string) =>
    (await dataSource.query('SELECT status, attempts_made, amount_minor, next_attempt, retry_requested_at, correlation_id FROM dunning_cases WHERE invoice_id = $1', [invoiceId]))[0];
  const invoiceRow = async (invoiceId: string) =>
    (await dataSource.query('SELECT collected_minor, last_requested_attempt, last_resolved_attempt FROM invoice_collections WHERE invoice_id = $1', [invoiceId]))[0];
  const retries = (invoice: InvoiceRef) => watcher.of('ChargeRetryRequested', invoice.accountId).filter((e) => e.payload.invoiceId === invoice.invoiceId);

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type JsonResponse = Omit<Response, 'json'> & { json(): Promise<any> };
  const payNow = (invoiceId: string, key?: string): Promise<JsonResponse> =>
    fetch(`${service.baseUrl}/v1/invoices/${invoiceId}/pay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.operator}`, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    });

  /** Issued, attempt 1 declined on the old card, the account on hold after every retry failed. */
  async function heldAfterEveryRetry(invoice: InvoiceRef): Promise<void> {
    cards.set(invoice.invoiceId, { invoice, card: OLD_CARD });
    await invoicing.produce(invoiceGenerated(invoice));
    await payments.produce(chargeFailed(invoice, 1, { paymentMethodId: OLD_CARD }));
    await waitFor(async () => watcher.of('AccountHoldPlaced', invoice.accountId).length > 0, { what: 'the hold', timeoutMs: 20_000 });
  }

  it('retries at once on a new card after the hold and releases the hold once when it succeeds', async () => {
    // given a card that declined attempt 1 and every scheduled retry: the account is on hold
    const invoice = newInvoice();
    await heldAfterEveryRetry(invoice);
    expect(retries(invoice).map((r) => [r.payload.attempt, r.payload.reason])).toEqual([
      [2, 'schedule'],
      [3, 'schedule'],
      [4, 'schedule'],
    ]);

    // when the customer sets a new card (the change delivered twice)
    cards.set(invoice.invoiceId, { invoice, card: NEW_CARD });
    const change = paymentMethodChanged(invoice.accountId, NEW_CARD);
    await invoicing.produce(change, change);

    // then attempt 5 is requested at once, succeeds, and the hold is released exactly once
    await waitFor(async () => watcher.of('AccountHoldReleased', invoice.accountId).length > 0, { what: 'the release' });
    await sleep(1000);
    const [, , , now] = retries(invoice);
    expect(retries(invoice)).toHaveLength(4);
    expect(now.payload).toMatchObject({ attempt: 5, reason: 'payment_method_changed' });
    expect(Date.parse(now.payload.requestedAt) - Date.parse(change.payload.changedAt)).toBeLessThan(2000);
    expect(now.causationId).toBe(change.eventId);
    const releases = watcher.of('AccountHoldReleased', invoice.accountId);
    expect(releases).toHaveLength(1);
    expect(releases[0].payload).toMatchObject({ reason: 'paid', holdId: watcher.of('AccountHoldPlaced', invoice.accountId)[0].payload.holdId });
    expect(await caseOf(invoice.invoiceId)).toMatchObject({ status: 'paid', attempts_made: 5, correlation_id: 'month-close:2026-11' });
    expect(await invoiceRow(invoice.invoiceId)).toEqual({ collected_minor: '1999', last_requested_attempt: 5, last_resolved_attempt: 5 });
  });

  it('brings the scheduled retry forward when the card changes mid-dunning, and asks for it once', async () => {
    // given attempt 1 declined and attempt 2 scheduled 2s later
    const invoice = newInvoice();
    await invoicing.produce(invoiceGenerated(invoice));
    await payments.produce(chargeFailed(invoice, 1, { paymentMethodId: OLD_CARD }));
    await waitFor(async () => (await caseOf(invoice.invoiceId))?.next_attempt === 2, { what: 'the scheduled retry' });

    // when the card changes before the retry is due
    await invoicing.produce(paymentMethodChanged(invoice.accountId, NEW_CARD));

    // then attempt 2 is requested for the change, and the schedule does not ask for it again
    await waitFor(async () => retries(invoice).length > 0, { what: 'the retry' });
    await sleep(3000);
    expect(retries(invoice).map((r) => [r.payload.attempt, r.payload.reason])).toEqual([[2, 'payment_method_changed']]);
    expect(await invoiceRow(invoice.invoiceId)).toMatchObject({ last_requested_attempt: 2, last_resolved_attempt: 1 });
    // the case stays filed under its month-close run, not under the account update
    expect(await caseOf(invoice.invoiceId)).toMatchObject({ next_attempt: 2, correlation_id: 'month-close:2026-11' });
  });

  it('asks for the next attempt at once when the attempt in flight failed on the card the customer replaced', async () => {
    // given attempt 1 at the provider when the card changes
    const invoice = newInvoice();
    await invoicing.produce(invoiceGenerated(invoice), paymentMethodChanged(invoice.accountId, NEW_CARD));
    await waitFor(async () => (await invoiceRow(invoice.invoiceId))?.last_requested_attempt === 1, { what: 'the invoice' });
    await sleep(500);
    expect(retries(invoice)).toEqual([]);
    // when attempt 1 fails on the old card
    await payments.produce(chargeFailed(invoice, 1, { paymentMethodId: OLD_CARD }));
    // then attempt 2 is requested at once, not 2s later
    await waitFor(async () => retries(invoice).length > 0, { what: 'the retry' });
    const [retry] = retries(invoice);
    expect(retry.payload).toMatchObject({ attempt: 2, reason: 'payment_method_changed' });
    expect(Date.parse(retry.payload.requestedAt) - Date.parse(retry.payload.scheduledFor)).toBe(0);
  });

  it('holds no account for an invoice skipped for want of a method, and charges it once a method is added', async () => {
    // given an invoice issued without a method and skipped by payments (each event delivered twice)
    const invoice = newInvoice();
    const issued = invoiceGenerated(invoice, { paymentMethodId: null });
    const skip = chargeSkipped(invoice, 'no_payment_method');
    await invoicing.produce(issued, issued);
    await payments.produce(skip, skip);
    await waitFor(async () => (await invoiceRow(invoice.invoiceId))?.last_resolved_attempt === 1, { what: 'the skip' });
    await sleep(1500);
    expect(await caseOf(invoice.invoiceId)).toBeUndefined();
    expect(watcher.of('AccountHoldPlaced', invoice.accountId)).toEqual([]);
    // when a card is added
    await invoicing.produce(paymentMethodChanged(invoice.accountId, NEW_CARD));
    // then attempt 2 is requested at once (the invoice's id stands in for the case it has not)
    await waitFor(async () => retries(invoice).length > 0, { what: 'the retry' });
    await sleep(500);
    expect(retries(invoice)).toHaveLength(1);
    expect(retries(invoice)[0].payload).toMatchObject({ attempt: 2, dunningCaseId: invoice.invoiceId, reason: 'payment_method_changed' });
    expect(await invoiceRow(invoice.invoiceId)).toEqual({ collected_minor: '0', last_requested_attempt: 2, last_resolved_attempt: 1 });
  });

  it('pays now: 400 without a key, 404, 409 in flight or nothing owed, 202 once per key', async () => {
    const invoice = newInvoice();
    const other = newInvoice(invoice.accountId);
    await invoicing.produce(invoiceGenerated(invoice), invoiceGenerated(other));
    await waitFor(async () => (await invoiceRow(other.invoiceId)) !== undefined, { what: 'the invoices' });

    const missingKey = await payNow(invoice.invoiceId);
    expect(missingKey.status).toBe(400);
    expect(await missingKey.json()).toMatchObject({ fields: ['headers.idempotency-key'] });
    const unknown = await payNow(newInvoice().invoiceId, 'k-unknown');
    expect([unknown.status, (await unknown.json()).code]).toEqual([404, 'invoice_not_found']);
    const inFlight = await payNow(invoice.invoiceId, 'k-1');
    expect([inFlight.status, (await inFlight.json()).code]).toEqual([409, 'attempt_in_flight']);

    // when attempt 1 failed (the customer must act: nothing is scheduled)
    await payments.produce(chargeFailed(invoice, 1, { retryable: false, paymentMethodId: OLD_CARD }));
    await waitFor(async () => (await caseOf(invoice.invoiceId))?.status === 'action_required', { what: 'the case' });
    // then pay-now asks for attempt 2; the same key answers the same and asks for nothing new
    const first = await payNow(invoice.invoiceId, 'k-1');
    expect([first.status, await first.json()]).toEqual([202, { invoiceId: invoice.invoiceId, attempt: 2 }]);
    const again = await payNow(invoice.invoiceId, 'k-1');
    expect([again.status, await again.json()]).toEqual([202, { invoiceId: invoice.invoiceId, attempt: 2 }]);
    const reused = await payNow(other.invoiceId, 'k-1');
    expect([reused.status, (await reused.json()).code]).toEqual([409, 'idempotency_key_reused']);
    const second = await payNow(invoice.invoiceId, 'k-2');
    expect([second.status, (await second.json()).code]).toEqual([409, 'attempt_in_flight']);
    await waitFor(async () => retries(invoice).length > 0, { what: 'the pay-now request' });
    await sleep(500);
    expect(retries(invoice).map((r) => [r.payload.attempt, r.payload.reason])).toEqual([[2, 'pay_now']]);

    // when attempt 2 succeeds, nothing is owed
    await payments.produce(chargeSucceeded(invoice, 2));
    await waitFor(async () => (await caseOf(invoice.invoiceId))?.status === 'paid', { what: 'the payment' });
    const paid = await payNow(invoice.invoiceId, 'k-3');
    expect([paid.status, (await paid.json()).code]).toEqual([409, 'nothing_outstanding']);

    const docs = (await (await fetch(`${service.baseUrl}/docs-json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(docs.paths)).toEqual(
      expect.arrayContaining(['/v1/invoices/{invoiceId}/pay', '/v1/holds', '/v1/accounts/{id}/hold', '/v1/accounts/{id}/hold/release']),
    );
  });

  it.each<[InvoiceRef['currency'], number, number]>([
    ['JPY', 5000, 1200],
    ['KWD', 12_345, 345],
  ])('keeps the hold after a partial offline payment in %s and releases it once the rest is recorded', async (currency, total, part) => {
    // given a held account (the customer had to act and did not)
    const invoice = newInvoice(undefined, total, currency);
    await invoicing.produce(invoiceGenerated(invoice));
    await payments.produce(chargeFailed(invoice, 1, { retryable: false }));
    await waitFor(async () => watcher.of('AccountHoldPlaced', invoice.accountId).length > 0, { what: 'the hold' });

    // when part is paid by bank transfer (delivered twice)
    const partial = paymentRecorded(invoice, part, total - part);
    await payments.produce(partial, partial);
    await waitFor(async () => (await invoiceRow(invoice.invoiceId))?.collected_minor === String(part), { what: 'the partial payment' });
    await sleep(500);
    // then the hold stays and the case shows what is still owed
    expect(watcher.of('AccountHoldReleased', invoice.accountId)).toEqual([]);
    expect(await caseOf(invoice.invoiceId)).toMatchObject({ status: 'action_required', amount_minor: String(total - part) });

    // when the rest is recorded (delivered twice)
    const rest = paymentRecorded(invoice, total - part, 0);
    await payments.produce(rest, rest);
    // then the case is paid and the hold released once
    await waitFor(async () => watcher.of('AccountHoldReleased', invoice.accountId).length > 0, { what: 'the release' });
    await sleep(500);
    expect(watcher.of('AccountHoldReleased', invoice.accountId)).toHaveLength(1);
    expect(await caseOf(invoice.invoiceId)).toMatchObject({ status: 'paid' });
    expect(await invoiceRow(invoice.invoiceId)).toMatchObject({ collected_minor: String(total) });
  });

  it.each<['JPY' | 'KWD', number, number]>([
    ['JPY', 5000, 1200],
    ['KWD', 12_340, 2_340],
  ])('keeps the case after a partial credit in %s, and closes it and releases the hold once when the rest is credited', async (currency, total, part) => {
    // given a held account (the customer had to act and did not)
    const invoice = newInvoice(undefined, total, currency);
    await invoicing.produce(invoiceGenerated(invoice));
    await payments.produce(chargeFailed(invoice, 1, { retryable: false }));
    await waitFor(async () => watcher.of('AccountHoldPlaced', invoice.accountId).length > 0, { what: 'the hold' });

    // when part of it is credited (the settlement delivered twice)
    const partial = creditNoteSettled(invoice, part, total - part);
    await payments.produce(partial, partial);
    await waitFor(async () => (await caseOf(invoice.invoiceId))?.amount_minor === String(total - part), { what: 'the partial credit' });
    await sleep(500);
    // then the hold stays and the case owes the rest
    expect(watcher.of('AccountHoldReleased', invoice.accountId)).toEqual([]);
    expect(await caseOf(invoice.invoiceId)).toMatchObject({ status: 'action_required' });

    // when the rest is credited (delivered twice)
    const rest = creditNoteSettled(invoice, total - part, 0);
    await payments.produce(rest, rest);
    // then the case is closed, the hold released once, and no retry is ever asked for
    await waitFor(async () => watcher.of('AccountHoldReleased', invoice.accountId).length > 0, { what: 'the release' });
    await sleep(500);
    expect(watcher.of('AccountHoldReleased', invoice.accountId)).toHaveLength(1);
    expect(await caseOf(invoice.invoiceId)).toMatchObject({ status: 'paid' });
    expect((await dataSource.query('SELECT credited_minor, collected_minor FROM invoice_collections WHERE invoice_id = $1', [invoice.invoiceId]))[0]).toEqual({
      credited_minor: String(total),
      collected_minor: '0',
    });
  });

  it('asks for no scheduled retry of an invoice fully credited while it was in dunning', async () => {
    // given attempt 1 declined (retryable): attempt 2 is scheduled 2 s after the failure
    const invoice = newInvoice(undefined, 7000, 'JPY');
    await invoicing.produce(invoiceGenerated(invoice));
    await payments.produce(chargeFailed(invoice, 1, { retryable: true, failedAt: new Date(Date.now() + 2_000).toISOString() }));
    await waitFor(async () => (await caseOf(invoice.invoiceId))?.next_attempt === 2, { what: 'the scheduled retry' });

    // when the whole invoice is credited before the retry is due
    await payments.produce(creditNoteSettled(invoice, 7000, 0));
    await waitFor(async () => (await caseOf(invoice.invoiceId))?.status === 'paid', { what: 'the case closed' });
    // then no retry is ever asked for (the schedule's 2 s, 4 s and 6 s pass)
    await sleep(9_000);
    expect(watcher.of('ChargeRetryRequested', invoice.accountId)).toEqual([]);
  });
});
