/**
 * A known month close (period 2026-11) as the other services would publish it: USD, JPY and
 * KWD invoices and a zero-total one, a declined charge, a retry that succeeds, a hold and its
 * release, a declined charge never collected (KWD), emails sent and one failed.
 */
import { randomUUID } from 'node:crypto';
import {
  AccountHoldPlacedV1,
  AccountHoldReleasedV1,
  ChargeFailedV1,
  ChargeRetryRequestedV1,
  ChargeSkippedV1,
  ChargeSucceededV1,
  EmailFailedV1,
  EmailSentV1,
  Envelope,
  InvoiceGeneratedV1,
  MonthCloseCompletedV1,
  MonthCloseProgressedV1,
  MonthCloseRequestedV1,
  PayloadOf,
  TOPICS,
  TopicName,
  UsageRecordedV1,
  createEvent,
  monthCloseKey,
} from '@billing/events';
import { CurrencyCode } from '@billing/money';

export const PERIOD = '2026-11';
export const ISSUED_AT = '2026-12-01T00:01:00.000Z';
export const DUE_AT = '2026-12-15T01:00:00.000Z';

export interface Produced {
  topic: TopicName;
  event: Envelope;
}

type Customer = PayloadOf<typeof InvoiceGeneratedV1>['customer'];
const customer = (name: string, timeZone: string, locale: string): Customer => ({
  name,
  email: `${name.toLowerCase().replace(/\W+/g, '.')}@example.test`,
  timeZone,
  locale,
});

export function buildScenario() {
  const runId = randomUUID();
  const ids = {
    usd: randomUUID(),
    jpy: randomUUID(),
    kwd: randomUUID(),
    zero: randomUUID(),
    hold: randomUUID(),
    dunningCase: randomUUID(),
  };
  const customers = {
    'acct-usd': customer('Ada Lovelace', 'America/New_York', 'en-US'),
    'acct-jpy': customer('Kenji Sato', 'Asia/Tokyo', 'ja-JP'),
    'acct-kwd': customer('Fatima Al Sabah', 'Asia/Kuwait', 'ar-KW'),
    'acct-zero': customer('Zed Zero', 'Europe/London', 'en-GB'),
  };
  type Account = keyof typeof customers;
  const meta = (accountId: string, occurredAt: string, producer: string) => ({
    eventId: randomUUID(),
    occurredAt,
    producer,
    accountId,
    correlationId: runId,
    causationId: null,
  });

  const invoice = (
    account: Account,
    invoiceId: string,
    number: string,
    currency: CurrencyCode,
    lines: [sku: string, quantity: string, unitPrice: string, amountMinor: number][],
    creditAppliedMinor: number,
  ) => {
    const subtotalMinor = lines.reduce((s, l) => s + l[3], 0);
    const totalMinor = subtotalMinor - creditAppliedMinor;
    return createEvent(InvoiceGeneratedV1, meta(account, ISSUED_AT, 'invoicing'), {
      invoiceId,
      invoiceNumber: number,
      runId,
      period: PERIOD,
      periodStart: '2026-11-01T00:00:00.000Z',
      periodEnd: '2026-12-01T00:00:00.000Z',
      currency,
      subtotalMinor,
      creditAppliedMinor,
      totalMinor,
      issuedAt: ISSUED_AT,
      dueAt: DUE_AT,
      lines: lines.map(([sku, quantity, unitPrice, amountMinor], i) => ({
        lineId: `${number}-${i + 1}`,
        sku,
        description: `${sku}, ${PERIOD}`,
        resourceId: null,
        unit: sku === 'storage-gb' ? 'GB-month' : 'unit',
        quantity,
        unitPrice,
        amountMinor,
        capped: false,
        usagePeriod: PERIOD,
      })),
      customer: customers[account],
      payment: { providerCustomerId: `cus_${account}`, paymentMethodId: totalMinor > 0 ? `pm_${account}` : null },
      requiresCharge: totalMinor > 0,
    });
  };

  const emailSent = (account: Account, template: 'invoice' | 'payment-failed' | 'account-on-hold' | 'hold-released', subjectId: string, invoiceId: string | null, at: string) =>
    createEvent(EmailSentV1, meta(account, at, 'notifications'), {
      emailKey: `${template}:${subjectId}`,
      template,
      subjectId,
      invoiceId,
      messageId: `<${template}.${subjectId}@billing.test>`,
      sentAt: at,
    });

  const runKey = monthCloseKey(PERIOD);
  const monthClose = [
    createEvent(MonthCloseRequestedV1, meta(runKey, '2026-12-01T00:00:00.000Z', 'invoicing'), {
      runId,
      period: PERIOD,
      requestedAt: '2026-12-01T00:00:00.000Z',
      requestedBy: 'scheduler',
    }),
    createEvent(MonthCloseProgressedV1, meta(runKey, '2026-12-01T00:01:30.000Z', 'invoicing'), {
      runId,
      period: PERIOD,
      accountsInScope: 4,
      invoiced: 2,
      zeroTotal: 0,
      remaining: 2,
      waiting: 0,
      waitingUntil: null,
      at: '2026-12-01T00:01:30.000Z',
    }),
    createEvent(MonthCloseCompletedV1, meta(runKey, '2026-12-01T00:02:05.000Z', 'invoicing'), {
      runId,
      period: PERIOD,
      accountsInScope: 4,
      invoiced: 4,
      zeroTotal: 1,
      startedAt: '2026-12-01T00:00:05.000Z',
      completedAt: '2026-12-01T00:02:05.000Z',
    }),
  ];

  const usage = [
    createEvent(UsageRecordedV1, meta('acct-usd', '2026-11-20T12:00:00.000Z', 'usage-api'), {
      usageId: 'u-1',
      sku: 'server-hour',
      resourceId: 'srv-1',
      quantity: '100',
      occurredAt: '2026-11-20T12:00:00.000Z',
    }),
  ];

  const invoices = [
    invoice('acct-usd', ids.usd, 'INV-2026-11-0001', 'USD', [['server-hour', '100', '1.00', 10_000], ['storage-gb', '284.5', '0.10', 2_845]], 500),
    invoice('acct-jpy', ids.jpy, 'INV-2026-11-0002', 'JPY', [['server-hour', '30', '100', 3_000], ['storage-gb', '99', '20', 1_980]], 0),
    invoice('acct-kwd', ids.kwd, 'INV-2026-11-0003', 'KWD', [['server-hour', '29', '0.25', 7_250]], 0),
    invoice('acct-zero', ids.zero, 'INV-2026-11-0004', 'USD', [['support-plan', '1', '10.00', 1_000]], 1_000),
  ];

  const usdPaid = createEvent(ChargeSucceededV1, meta('acct-usd', '2026-12-01T00:03:00.000Z', 'payments'), {
    invoiceId: ids.usd,
    invoiceNumber: 'INV-2026-11-0001',
    attempt: 1,
    amountMinor: 12_345,
    currency: 'USD',
    providerPaymentIntentId: 'pi_usd_1',
    providerChargeId: 'ch_usd_1',
    succeededAt: '2026-12-01T00:03:00.000Z',
  });
  const jpyDeclined = createEvent(ChargeFailedV1, meta('acct-jpy', '2026-12-01T00:03:10.000Z', 'payments'), {
    invoiceId: ids.jpy,
    invoiceNumber: 'INV-2026-11-0002',
    attempt: 1,
    amountMinor: 4_980,
    currency: 'JPY',
    errorCode: 'card_declined',
    declineCode: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
    retryable: true,
    providerPaymentIntentId: 'pi_jpy_1',
    failedAt: '2026-12-01T00:03:10.000Z',
    dueAt: DUE_AT,
    customer: customers['acct-jpy'],
  });
  const payments = [
    usdPaid,
    jpyDeclined,
    jpyDeclined, // the duplicated delivery (a relay republished it)
    createEvent(ChargeFailedV1, meta('acct-kwd', '2026-12-01T00:03:20.000Z', 'payments'), {
      invoiceId: ids.kwd,
      invoiceNumber: 'INV-2026-11-0003',
      attempt: 1,
      amountMinor: 7_250,
      currency: 'KWD',
      errorCode: 'card_declined',
      declineCode: 'lost_card',
      message: 'Your card was declined, "lost card".',
      retryable: false,
      providerPaymentIntentId: 'pi_kwd_1',
      failedAt: '2026-12-01T00:03:20.000Z',
      dueAt: DUE_AT,
      customer: customers['acct-kwd'],
    }),
    createEvent(ChargeSkippedV1, meta('acct-zero', '2026-12-01T00:03:30.000Z', 'payments'), {
      invoiceId: ids.zero,
      invoiceNumber: 'INV-2026-11-0004',
      reason: 'nothing_to_collect',
      amountMinor: 0,
      currency: 'USD',
      skippedAt: '2026-12-01T00:03:30.000Z',
    }),
    createEvent(ChargeSucceededV1, meta('acct-jpy', '2026-12-18T09:00:00.000Z', 'payments'), {
      invoiceId: ids.jpy,
      invoiceNumber: 'INV-2026-11-0002',
      attempt: 2,
      amountMinor: 4_980,
      currency: 'JPY',
      providerPaymentIntentId: 'pi_jpy_2',
      providerChargeId: 'ch_jpy_2',
      succeededAt: '2026-12-18T09:00:00.000Z',
    }),
  ];

  const collections = [
    createEvent(AccountHoldPlacedV1, meta('acct-jpy', '2026-12-01T00:07:00.000Z', 'collections'), {
      holdId: ids.hold,
      reason: 'payment_action_required',
      unpaidInvoices: [{ invoiceId: ids.jpy, invoiceNumber: 'INV-2026-11-0002', amountMinor: 4_980, currency: 'JPY' }],
      placedAt: '2026-12-01T00:07:00.000Z',
      customer: customers['acct-jpy'],
    }),
    createEvent(ChargeRetryRequestedV1, meta('acct-jpy', '2026-12-01T00:07:30.000Z', 'collections'), {
      invoiceId: ids.jpy,
      dunningCaseId: ids.dunningCase,
      attempt: 2,
      scheduledFor: '2026-12-18T09:00:00.000Z',
      requestedAt: '2026-12-01T00:07:30.000Z',
    }),
    createEvent(AccountHoldReleasedV1, meta('acct-jpy', '2026-12-18T09:01:00.000Z', 'collections'), {
      holdId: ids.hold,
      reason: 'paid',
      releasedAt: '2026-12-18T09:01:00.000Z',
      releasedBy: null,
      note: null,
      customer: customers['acct-jpy'],
    }),
  ];

  const notifications = [
    emailSent('acct-usd', 'invoice', ids.usd, ids.usd, '2026-12-01T00:05:00.000Z'),
    emailSent('acct-jpy', 'invoice', ids.jpy, ids.jpy, '2026-12-01T00:05:00.000Z'),
    emailSent('acct-kwd', 'invoice', ids.kwd, ids.kwd, '2026-12-01T00:05:00.000Z'),
    emailSent('acct-zero', 'invoice', ids.zero, ids.zero, '2026-12-01T00:05:00.000Z'),
    emailSent('acct-jpy', 'payment-failed', ids.jpy, ids.jpy, '2026-12-01T00:06:00.000Z'),
    createEvent(EmailFailedV1, meta('acct-kwd', '2026-12-01T00:06:00.000Z', 'notifications'), {
      emailKey: `payment-failed:${ids.kwd}`,
      template: 'payment-failed',
      subjectId: ids.kwd,
      invoiceId: ids.kwd,
      reason: '550 5.1.1 mailbox unavailable',
      smtpCode: 550,
      failedAt: '2026-12-01T00:06:00.000Z',
    }),
    emailSent('acct-jpy', 'account-on-hold', ids.hold, null, '2026-12-01T00:08:00.000Z'),
    emailSent('acct-jpy', 'hold-released', ids.hold, null, '2026-12-18T09:02:00.000Z'),
  ];

  const produced: Produced[] = [
    ...monthClose.slice(0, 1).map((event) => ({ topic: TOPICS.monthClose, event })),
    ...usage.map((event) => ({ topic: TOPICS.usage, event })),
    ...invoices.map((event) => ({ topic: TOPICS.invoices, event })),
    ...monthClose.slice(1).map((event) => ({ topic: TOPICS.monthClose, event })),
    ...payments.map((event) => ({ topic: TOPICS.payments, event })),
    ...notifications.map((event) => ({ topic: TOPICS.notifications, event })),
    ...collections.map((event) => ({ topic: TOPICS.collections, event })),
  ];
  const uniqueEventIds = new Set(produced.map((p) => p.event.eventId));
  return { runId, ids, customers, produced, uniqueEventIds, usdPaid, jpyDeclined, invoices, meta };
}

export type Scenario = ReturnType<typeof buildScenario>;
