import { randomUUID } from 'node:crypto';
import {
  AccountHoldPlacedV1,
  AccountHoldReleasedV1,
  CONTRACTS,
  ChargeFailedV1,
  ChargeRetryRequestedV1,
  ChargeSkippedV1,
  ChargeSucceededV1,
  EmailFailedV1,
  EmailSentV1,
  EventContractError,
  InvoiceGeneratedV1,
  MonthCloseAccountFailedV1,
  MonthCloseCompletedV1,
  MonthCloseProgressedV1,
  MonthCloseRequestedV1,
  UsageRecordedV1,
  createEvent,
  isBcp47Locale,
  isIanaTimeZone,
  parseEvent,
} from './index';

const customer = { name: 'Ada Lovelace', email: 'ada@example.com', timeZone: 'America/Los_Angeles', locale: 'en-US' };
const invoiceId = '0b7f5f9e-4a0c-4a43-9c55-5a2f3c0f2a11';
const runId = '3a1c2b7e-2d6f-4c1e-8b7a-0e9f6d5c4b3a';

/** One valid payload for every contract: the table the tests below mutate. */
const VALID: Record<string, unknown> = {
  MonthCloseRequested: { runId, period: '2026-11', requestedAt: '2026-12-01T00:00:00.000Z', requestedBy: 'scheduler' },
  MonthCloseProgressed: {
    runId,
    period: '2026-11',
    accountsInScope: 10,
    invoiced: 4,
    zeroTotal: 1,
    remaining: 6,
    waiting: 6,
    waitingUntil: '2026-12-01T09:00:00.000Z',
    at: '2026-12-01T00:05:00.000Z',
  },
  MonthCloseCompleted: {
    runId,
    period: '2026-11',
    accountsInScope: 10,
    invoiced: 10,
    zeroTotal: 1,
    startedAt: '2026-12-01T00:00:00.000Z',
    completedAt: '2026-12-01T09:00:00.000Z',
    failed: 2,
    status: 'completed_with_failures',
  },
  MonthCloseAccountFailed: {
    runId,
    period: '2026-11',
    accountId: invoiceId,
    code: 'price_missing',
    reason: 'no price for sku storage.gb in JPY',
    failedAt: '2026-12-01T09:00:00.000Z',
  },
  InvoiceGenerated: {
    invoiceId,
    invoiceNumber: 'INV-2026-11-000123',
    runId,
    period: '2026-11',
    periodStart: '2026-11-01T07:00:00.000Z',
    periodEnd: '2026-12-01T08:00:00.000Z',
    currency: 'USD',
    subtotalMinor: 1500,
    creditAppliedMinor: 500,
    totalMinor: 1000,
    issuedAt: '2026-12-01T09:00:00.000Z',
    dueAt: '2026-12-15T09:00:00.000Z',
    lines: [
      {
        lineId: 'server-hour:srv-1:2026-11',
        sku: 'server-hour',
        description: 'Server hours',
        resourceId: 'srv-1',
        unit: 'hour',
        quantity: '720',
        unitPrice: '0.00744',
        amountMinor: 1500,
        capped: true,
        usagePeriod: '2026-11',
      },
    ],
    customer,
    payment: { providerCustomerId: 'cus_123', paymentMethodId: 'pm_card_visa' },
    requiresCharge: true,
    collection: 'charge_automatically',
  },
  ChargeSucceeded: {
    invoiceId,
    invoiceNumber: 'INV-2026-11-000123',
    attempt: 1,
    amountMinor: 1000,
    currency: 'USD',
    providerPaymentIntentId: 'pi_1',
    providerChargeId: 'ch_1',
    succeededAt: '2026-12-01T09:00:01.000Z',
  },
  ChargeFailed: {
    invoiceId,
    invoiceNumber: 'INV-2026-11-000123',
    attempt: 1,
    amountMinor: 1000,
    currency: 'USD',
    errorCode: 'card_declined',
    declineCode: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
    retryable: true,
    providerPaymentIntentId: 'pi_2',
    failedAt: '2026-12-01T09:00:01.000Z',
    dueAt: '2026-12-15T09:00:00.000Z',
    customer,
  },
  ChargeSkipped: {
    invoiceId,
    invoiceNumber: 'INV-2026-11-000123',
    reason: 'nothing_to_collect',
    amountMinor: 0,
    currency: 'JPY',
    skippedAt: '2026-12-01T09:00:01.000Z',
  },
  ChargeRetryRequested: {
    invoiceId,
    dunningCaseId: runId,
    attempt: 2,
    scheduledFor: '2026-12-02T09:00:01.000Z',
    requestedAt: '2026-12-02T09:00:02.000Z',
  },
  AccountHoldPlaced: {
    holdId: runId,
    reason: 'retries_exhausted',
    unpaidInvoices: [{ invoiceId, invoiceNumber: 'INV-2026-11-000123', amountMinor: 1230, currency: 'KWD' }],
    placedAt: '2026-12-08T09:00:00.000Z',
    customer,
  },
  AccountHoldReleased: {
    holdId: runId,
    reason: 'manual',
    releasedAt: '2026-12-09T09:00:00.000Z',
    releasedBy: 'admin',
    note: 'paid by bank transfer',
    customer,
  },
  EmailSent: {
    emailKey: `invoice:${invoiceId}`,
    template: 'invoice',
    subjectId: invoiceId,
    invoiceId,
    messageId: '<abc@billing.local>',
    sentAt: '2026-12-01T09:00:02.000Z',
  },
  EmailFailed: {
    emailKey: `invoice:${invoiceId}`,
    template: 'invoice',
    subjectId: invoiceId,
    invoiceId,
    reason: '550 mailbox unavailable',
    smtpCode: 550,
    failedAt: '2026-12-01T09:00:02.000Z',
  },
  UsageRecorded: {
    usageId: 'upload-1-rec-1',
    sku: 'server-hour',
    resourceId: 'srv-1',
    quantity: '1.5',
    occurredAt: '2026-11-30T23:30:00.000Z',
  },
  AccountPaymentMethodChanged: {
    paymentMethodId: 'pm_card_visa',
    providerCustomerId: 'cus_1',
    previousPaymentMethodId: 'pm_card_chargeCustomerFail',
    changedAt: '2026-12-02T08:00:00.000Z',
  },
  PaymentRecorded: {
    invoiceId,
    invoiceNumber: 'INV-2026-11-000123',
    paymentId: randomUUID(),
    method: 'bank_transfer',
    amountMinor: 7_250,
    currency: 'KWD',
    reference: 'SEPA 2026-12-02 #77',
    receivedAt: '2026-12-02T00:00:00.000Z',
    recordedAt: '2026-12-02T09:00:00.000Z',
    recordedBy: 'finance',
    outstandingAfterMinor: 0,
  },
  CreditNoteIssued: {
    creditNoteId: '5d0c1b2a-3e4f-4a5b-8c6d-7e8f9a0b1c2d',
    creditNoteNumber: 'CN-2026-12-000001',
    invoiceId,
    invoiceNumber: 'INV-2026-11-000123',
    kind: 'credit',
    reason: 'storage rated twice',
    currency: 'KWD',
    lines: [{ lineId: 'line-1', description: 'Storage GB-month', amountMinor: 1_250 }],
    totalMinor: 1_250,
    invoiceTotalMinor: 7_250,
    creditedBeforeMinor: 0,
    paidPartTo: 'refund',
    issuedAt: '2026-12-02T09:00:00.000Z',
    issuedBy: 'finance',
    customer,
  },
  CreditNoteSettled: {
    creditNoteId: '5d0c1b2a-3e4f-4a5b-8c6d-7e8f9a0b1c2d',
    creditNoteNumber: 'CN-2026-12-000001',
    invoiceId,
    invoiceNumber: 'INV-2026-11-000123',
    currency: 'JPY',
    totalMinor: 1_500,
    appliedToOutstandingMinor: 1_000,
    refundMinor: 500,
    accountCreditMinor: 0,
    outstandingAfterMinor: 0,
    settledAt: '2026-12-02T09:00:01.000Z',
  },
  RefundSucceeded: {
    creditNoteId: '5d0c1b2a-3e4f-4a5b-8c6d-7e8f9a0b1c2d',
    creditNoteNumber: 'CN-2026-12-000001',
    invoiceId,
    invoiceNumber: 'INV-2026-11-000123',
    amountMinor: 500,
    currency: 'JPY',
    providerRefundId: 're_1',
    providerPaymentIntentId: 'pi_1',
    succeededAt: '2026-12-02T09:00:02.000Z',
  },
  RefundFailed: {
    creditNoteId: '5d0c1b2a-3e4f-4a5b-8c6d-7e8f9a0b1c2d',
    creditNoteNumber: 'CN-2026-12-000001',
    invoiceId,
    invoiceNumber: 'INV-2026-11-000123',
    amountMinor: 500,
    currency: 'JPY',
    errorCode: 'charge_disputed',
    message: 'The charge is disputed',
    failedAt: '2026-12-02T09:00:02.000Z',
  },
};

function envelope(type: string, payload: unknown, version = 1) {
  return {
    eventId: randomUUID(),
    type,
    version,
    occurredAt: '2026-12-01T09:00:00.000Z',
    producer: 'test',
    accountId: 'acct-1',
    correlationId: runId,
    causationId: null,
    payload,
  };
}

function withField(payload: unknown, path: string[], value: unknown): unknown {
  const copy = structuredClone(payload) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  if (value === undefined) delete node[path[path.length - 1]];
  else node[path[path.length - 1]] = value;
  return copy;
}

describe('event contracts', () => {
  it('has a valid example for every contract, and every example passes', () => {
    expect(Object.keys(VALID).sort()).toEqual(CONTRACTS.map((c) => c.type).sort());
    for (const [type, payload] of Object.entries(VALID)) {
      const result = parseEvent(envelope(type, payload));
      expect({ type, ok: result.ok, why: result.ok ? '' : result.message }).toEqual({ type, ok: true, why: '' });
    }
  });

  it('takes an invoice below the provider minimum only with its whole total carried forward', () => {
    const below = { ...(VALID.InvoiceGenerated as Record<string, unknown>) };
    const total = below.totalMinor as number;
    expect(parseEvent(envelope('InvoiceGenerated', { ...below, collection: 'below_provider_minimum', carriedForwardMinor: total })).ok).toBe(true);
    const partial = parseEvent(envelope('InvoiceGenerated', { ...below, collection: 'below_provider_minimum', carriedForwardMinor: total - 1 }));
    expect(partial).toMatchObject({ ok: false, reason: 'schema_violation' });
    const carriedButCharged = parseEvent(envelope('InvoiceGenerated', { ...below, collection: 'charge_automatically', carriedForwardMinor: total }));
    expect(carriedButCharged).toMatchObject({ ok: false, reason: 'schema_violation' });
  });

  it('refuses a payload string holding the NUL character, which PostgreSQL cannot store, naming the field', () => {
    const withNul = withField(VALID.UsageRecorded, ['resourceId'], 'srv\u00001');
    expect(parseEvent(envelope('UsageRecorded', withNul))).toEqual({
      ok: false,
      reason: 'schema_violation',
      message: 'payload.resourceId: must not contain the NUL character (U+0000)',
    });
  });

  it('refuses a credit note that credits more than the invoice minus earlier credit notes, or a partial void', () => {
    const note = VALID.CreditNoteIssued as Record<string, unknown>;
    const upToTotal = { ...note, creditedBeforeMinor: 6_000 };
    expect(parseEvent(envelope('CreditNoteIssued', upToTotal)).ok).toBe(true);
    expect(parseEvent(envelope('CreditNoteIssued', { ...note, creditedBeforeMinor: 6_001 }))).toMatchObject({ ok: false, reason: 'schema_violation' });
    expect(parseEvent(envelope('CreditNoteIssued', { ...note, kind: 'void' }))).toMatchObject({ ok: false, reason: 'schema_violation' });
    const fullVoid = { ...note, kind: 'void', lines: [{ lineId: 'line-1', description: 'Storage', amountMinor: 7_250 }], totalMinor: 7_250 };
    expect(parseEvent(envelope('CreditNoteIssued', fullVoid)).ok).toBe(true);
    expect(parseEvent(envelope('CreditNoteIssued', { ...note, totalMinor: 1_251 }))).toMatchObject({ ok: false, reason: 'schema_violation' });
  });

  it('settles a credit note only when its parts add up to its total, to the minor unit', () => {
    expect(parseEvent(envelope('CreditNoteSettled', withField(VALID.CreditNoteSettled, ['refundMinor'], 499)))).toMatchObject({ ok: false, reason: 'schema_violation' });
  });

  it('takes an EmailSent of the credit-note template (added to v1) and still an invoice one', () => {
    const creditNoteId = randomUUID();
    const sent = { ...(VALID.EmailSent as object), emailKey: `credit-note:${creditNoteId}`, template: 'credit-note', subjectId: creditNoteId };
    expect(EmailSentV1.schema.safeParse(sent).success).toBe(true);
    expect(EmailFailedV1.schema.safeParse({ ...(VALID.EmailFailed as object), template: 'credit-note' }).success).toBe(true);
    expect(EmailSentV1.schema.safeParse(VALID.EmailSent).success).toBe(true);
    expect(EmailSentV1.schema.safeParse({ ...sent, template: 'credit' }).success).toBe(false);
  });

  it('refuses an offline payment of nothing', () => {
    expect(parseEvent(envelope('PaymentRecorded', withField(VALID.PaymentRecorded, ['amountMinor'], 0)))).toMatchObject({ ok: false, reason: 'schema_violation' });
  });

  it.each([
    ['InvoiceGenerated', ['currency'], 'usd', 'payload.currency: must be an ISO 4217 currency code'],
    ['ChargeFailed', ['currency'], 'XYZ', 'payload.currency: must be an ISO 4217 currency code'],
    ['InvoiceGenerated', ['totalMinor'], 999.5, 'payload.totalMinor: must be an integer amount of minor units'],
    ['ChargeSucceeded', ['amountMinor'], 10.25, 'payload.amountMinor: must be an integer amount of minor units'],
    ['AccountHoldPlaced', ['unpaidInvoices', '0', 'amountMinor'], 0.5, 'payload.unpaidInvoices.0.amountMinor'],
    ['InvoiceGenerated', ['customer', 'timeZone'], 'PST', 'payload.customer.timeZone: must be an IANA time zone name'],
    ['ChargeFailed', ['customer', 'timeZone'], 'GMT+2', 'payload.customer.timeZone: must be an IANA time zone name'],
    ['AccountHoldReleased', ['customer', 'timeZone'], 'Mars/Olympus_Mons', 'payload.customer.timeZone'],
    ['InvoiceGenerated', ['customer', 'locale'], 'not a locale!', 'payload.customer.locale: must be a BCP 47 locale tag'],
    ['InvoiceGenerated', ['issuedAt'], '2026-12-01 09:00:00', 'payload.issuedAt: must be a UTC ISO-8601 instant'],
    ['MonthCloseRequested', ['period'], '2026-13', 'payload.period: must be a period YYYY-MM'],
    ['UsageRecorded', ['quantity'], 'a lot', 'payload.quantity: must be a non-negative decimal number string'],
    ['UsageRecorded', ['quantity'], '1000000000000000000000', 'payload.quantity: must be at most 1000000000000'],
    ['UsageRecorded', ['quantity'], '1e21', 'payload.quantity: must be a non-negative decimal number string'],
    ['UsageRecorded', ['quantity'], '1000000000000.000000001', 'payload.quantity: must be at most 1000000000000'],
    ['UsageRecorded', ['quantity'], '0.0000000001', 'payload.quantity: must have at most 9 digits after the decimal point'],
    ['UsageRecorded', ['quantity'], '-1', 'payload.quantity: must be a non-negative decimal number string'],
    ['InvoiceGenerated', ['collection'], 'nothing_due', "payload.collection: collection must be 'nothing_due' exactly when totalMinor is 0"],
    ['InvoiceGenerated', ['collection'], 'by_carrier_pigeon', 'payload.collection'],
    ['ChargeSkipped', ['reason'], 'felt_like_it', 'payload.reason'],
    ['InvoiceGenerated', ['invoiceNumber'], undefined, 'payload.invoiceNumber'],
    ['ChargeFailed', ['retryable'], undefined, 'payload.retryable'],
    ['EmailSent', ['messageId'], undefined, 'payload.messageId'],
    ['ChargeRetryRequested', ['attempt'], 1, 'payload.attempt'],
    ['MonthCloseAccountFailed', ['reason'], '', 'payload.reason'],
    ['MonthCloseAccountFailed', ['accountId'], 'acct-1', 'payload.accountId: must be a UUID'],
    ['MonthCloseCompleted', ['status'], 'done', 'payload.status'],
    ['CreditNoteIssued', ['creditNoteNumber'], 'CN-2026-13-000001', 'payload.creditNoteNumber: must be CN-YYYY-MM-NNNNNN'],
    ['CreditNoteIssued', ['lines', '0', 'amountMinor'], 0, 'payload.lines.0.amountMinor: must be positive'],
    ['CreditNoteIssued', ['paidPartTo'], 'cash', 'payload.paidPartTo'],
    ['RefundSucceeded', ['amountMinor'], 12.5, 'payload.amountMinor: must be an integer amount of minor units'],
  ])('rejects %s with %j = %j, naming the field', (type, path, value, expected) => {
    const result = parseEvent(envelope(type, withField(VALID[type], path, value)));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe('schema_violation');
      expect(result.message).toContain(expected);
    }
  });

  it('accepts usage quantities up to the limit: 10^12 with at most 9 decimals', () => {
    for (const quantity of ['0', '1000000000000', '1000000000000.000000000', '000999999999999.999999999', '0.000000001']) {
      const result = parseEvent(envelope('UsageRecorded', withField(VALID.UsageRecorded, ['quantity'], quantity)));
      expect({ quantity, ok: result.ok }).toEqual({ quantity, ok: true });
    }
  });

  it('accepts an invoice with or without a collection, and a manual_collection skip', () => {
    const { collection: _absent, ...withoutCollection } = VALID.InvoiceGenerated as Record<string, unknown>;
    expect(parseEvent(envelope('InvoiceGenerated', withoutCollection)).ok).toBe(true);
    const manual = withField(VALID.InvoiceGenerated, ['collection'], 'manual_above_provider_maximum');
    expect(parseEvent(envelope('InvoiceGenerated', manual)).ok).toBe(true);
    const skipped = withField(VALID.ChargeSkipped, ['reason'], 'manual_collection');
    expect(parseEvent(envelope('ChargeSkipped', skipped)).ok).toBe(true);
  });

  it('rejects an invoice whose total does not equal subtotal minus credit', () => {
    const result = parseEvent(envelope('InvoiceGenerated', withField(VALID.InvoiceGenerated, ['totalMinor'], 1500)));
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining('payload.totalMinor') });
  });

  it('reads a MonthCloseCompleted without failed and status (emitted before they were added) as valid v1', () => {
    const { failed: _failed, status: _status, ...before } = VALID.MonthCloseCompleted as Record<string, unknown>;
    expect(parseEvent(envelope('MonthCloseCompleted', before))).toMatchObject({ ok: true, event: { payload: { invoiced: 10 } } });
  });

  it('tells an unknown type, an unknown version and a broken envelope apart', () => {
    expect(parseEvent(envelope('InvoiceTeleported', {}))).toMatchObject({ ok: false, reason: 'unknown_type' });
    expect(parseEvent(envelope('InvoiceGenerated', VALID.InvoiceGenerated, 9))).toMatchObject({
      ok: false,
      reason: 'unknown_version',
    });
    expect(parseEvent({ ...envelope('InvoiceGenerated', VALID.InvoiceGenerated), eventId: 'not-a-uuid' })).toMatchObject({
      ok: false,
      reason: 'invalid_envelope',
      message: expect.stringContaining('eventId'),
    });
    expect(parseEvent({ ...envelope('ChargeSucceeded', VALID.ChargeSucceeded), occurredAt: '2026-12-01T10:00:00+01:00' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('occurredAt'),
    });
  });

  it('validates on produce: createEvent refuses a payload that breaks the contract', () => {
    const meta = { eventId: randomUUID(), occurredAt: '2026-12-01T09:00:00.000Z', producer: 'test', accountId: 'a', correlationId: 'c', causationId: null };
    expect(() => createEvent(ChargeSucceededV1, meta, { ...(VALID.ChargeSucceeded as object), currency: 'usd' } as never)).toThrow(EventContractError);
    expect(() => createEvent(ChargeSucceededV1, meta, { ...(VALID.ChargeSucceeded as object), currency: 'usd' } as never)).toThrow(
      /payload\.currency/,
    );
    const ok = createEvent(UsageRecordedV1, meta, VALID.UsageRecorded as never);
    expect(ok).toMatchObject({ type: 'UsageRecorded', version: 1, accountId: 'a' });
  });

  it('puts every event on its documented topic', () => {
    expect([InvoiceGeneratedV1, MonthCloseAccountFailedV1].map((c) => c.topic)).toEqual(Array(2).fill('billing.invoices'));
    expect([ChargeSucceededV1, ChargeFailedV1, ChargeSkippedV1].map((c) => c.topic)).toEqual(Array(3).fill('billing.payments'));
    expect([ChargeRetryRequestedV1, AccountHoldPlacedV1, AccountHoldReleasedV1].map((c) => c.topic)).toEqual(
      Array(3).fill('billing.collections'),
    );
    expect([EmailSentV1, EmailFailedV1].map((c) => c.topic)).toEqual(Array(2).fill('billing.notifications'));
    expect([MonthCloseRequestedV1, MonthCloseProgressedV1, MonthCloseCompletedV1].map((c) => c.topic)).toEqual(
      Array(3).fill('billing.month-close'),
    );
  });
});

describe('zone and locale checks (answers are remembered)', () => {
  it.each([
    ['America/Los_Angeles', true],
    ['Asia/Tokyo', true],
    ['UTC', true],
    ['Mars/Olympus_Mons', false], // looks like a zone name, is not one
    ['PST', false],
    ['GMT+2', false],
  ])('%s is an IANA zone: %s, asked twice', (zone, valid) => {
    expect(isIanaTimeZone(zone)).toBe(valid);
    expect(isIanaTimeZone(zone)).toBe(valid);
  });

  it.each([
    ['hu-HU', true],
    ['ja-JP', true],
    ['en_US', false],
    ['', false],
  ])('%s is a BCP 47 locale: %s, asked twice', (locale, valid) => {
    expect(isBcp47Locale(locale)).toBe(valid);
    expect(isBcp47Locale(locale)).toBe(valid);
  });
});
