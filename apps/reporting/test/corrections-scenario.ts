/**
 * Corrections of period 2026-11 as invoicing and payments publish them, in JPY (zero-decimal) and
 * KWD (three-decimal): one invoice of 4,980 minor units per case, each on its own account.
 *   partial  unpaid (declined), credited 1,000: applied to outstanding
 *   full     unpaid (declined), credited in full
 *   refund   paid, credited 1,001 to refund: settled, then RefundSucceeded
 *   credit   paid, credited 1,001 to account credit
 *   void     unpaid (declined), voided
 *   failed   paid, credited 2,000 to refund: settled, then RefundFailed
 * Stages: `base` (invoices, charge outcomes, invoice emails), `issued` (the credit notes),
 * `settled` (payments settled each note), `refunds` (the refunds' outcomes).
 */
import { randomUUID } from 'node:crypto';
import {
  ChargeFailedV1,
  ChargeSucceededV1,
  CreditNoteIssuedV1,
  CreditNoteSettledV1,
  EmailSentV1,
  InvoiceGeneratedV1,
  RefundFailedV1,
  RefundSucceededV1,
  TOPICS,
  createEvent,
} from '@billing/events';
import { Produced } from './month-close-scenario';

export const CORRECTIONS_PERIOD = '2026-11';
export const INVOICE_TOTAL = 4_980;
const ISSUED_AT = '2026-12-01T00:01:00.000Z';
const CREDITED_AT = '2026-12-10T10:00:00.000Z';
const SETTLED_AT = '2026-12-10T10:00:05.000Z';
const REFUND_AT = '2026-12-10T10:01:00.000Z';

type Case = 'partial' | 'full' | 'refund' | 'credit' | 'void' | 'failed';
const CASES: { name: Case; paid: boolean; credit: number; to: 'refund' | 'account_credit'; kind?: 'void' }[] = [
  { name: 'partial', paid: false, credit: 1_000, to: 'refund' },
  { name: 'full', paid: false, credit: INVOICE_TOTAL, to: 'refund' },
  { name: 'refund', paid: true, credit: 1_001, to: 'refund' },
  { name: 'credit', paid: true, credit: 1_001, to: 'account_credit' },
  { name: 'void', paid: false, credit: INVOICE_TOTAL, to: 'refund', kind: 'void' },
  { name: 'failed', paid: true, credit: 2_000, to: 'refund' },
];

/** `invoiceSeq` numbers the invoices and credit notes; `label` tells the accounts of a second set apart. */
export function buildCorrections(currency: 'JPY' | 'KWD', invoiceSeq: number, label = '') {
  const correlationId = randomUUID();
  const meta = (accountId: string, occurredAt: string, producer: string) => ({
    eventId: randomUUID(),
    occurredAt,
    producer,
    accountId,
    correlationId,
    causationId: null,
  });
  const stages = { base: [] as Produced[], issued: [] as Produced[], settled: [] as Produced[], refunds: [] as Produced[] };
  const accounts = {} as Record<Case, string>;
  const events = {} as Record<Case, { issued: Produced; settled: Produced; refund?: Produced }>;

  CASES.forEach((c, i) => {
    const accountId = `acct-${currency.toLowerCase()}-${label}${c.name}`;
    accounts[c.name] = accountId;
    const invoiceId = randomUUID();
    const invoiceNumber = `INV-2026-11-${String(invoiceSeq + i).padStart(4, '0')}`;
    const creditNoteId = randomUUID();
    const creditNoteNumber = `CN-2026-12-${String(invoiceSeq + i).padStart(6, '0')}`;
    const customer = { name: `Customer ${c.name}`, email: `${c.name}@example.test`, timeZone: 'Asia/Tokyo', locale: 'ja-JP' };
    const lines = [
      { lineId: `${invoiceNumber}-1`, sku: 'server-hour', amountMinor: 3_000 },
      { lineId: `${invoiceNumber}-2`, sku: 'storage-gb', amountMinor: 1_980 },
    ];
    const ref = { invoiceId, invoiceNumber, currency };
    const invoice = createEvent(InvoiceGeneratedV1, meta(accountId, ISSUED_AT, 'invoicing'), {
      ...ref,
      runId: correlationId,
      period: CORRECTIONS_PERIOD,
      periodStart: '2026-11-01T00:00:00.000Z',
      periodEnd: '2026-12-01T00:00:00.000Z',
      subtotalMinor: INVOICE_TOTAL,
      creditAppliedMinor: 0,
      totalMinor: INVOICE_TOTAL,
      issuedAt: ISSUED_AT,
      dueAt: '2026-12-15T00:00:00.000Z',
      lines: lines.map((l) => ({
        ...l,
        description: `${l.sku}, ${CORRECTIONS_PERIOD}`,
        resourceId: null,
        unit: 'unit',
        quantity: '1',
        unitPrice: String(l.amountMinor),
        capped: false,
        usagePeriod: CORRECTIONS_PERIOD,
      })),
      customer,
      payment: { providerCustomerId: `cus_${accountId}`, paymentMethodId: `pm_${accountId}` },
      requiresCharge: true,
    });
    const charge = c.paid
      ? createEvent(ChargeSucceededV1, meta(accountId, '2026-12-01T00:03:00.000Z', 'payments'), {
          ...ref,
          attempt: 1,
          amountMinor: INVOICE_TOTAL,
          providerPaymentIntentId: `pi_${accountId}`,
          providerChargeId: `ch_${accountId}`,
          succeededAt: '2026-12-01T00:03:00.000Z',
        })
      : createEvent(ChargeFailedV1, meta(accountId, '2026-12-01T00:03:00.000Z', 'payments'), {
          ...ref,
          attempt: 1,
          amountMinor: INVOICE_TOTAL,
          errorCode: 'card_declined',
          declineCode: 'insufficient_funds',
          message: 'Your card has insufficient funds.',
          retryable: true,
          providerPaymentIntentId: `pi_${accountId}`,
          failedAt: '2026-12-01T00:03:00.000Z',
          dueAt: '2026-12-15T00:00:00.000Z',
          customer,
        });
    const email = createEvent(EmailSentV1, meta(accountId, '2026-12-01T00:05:00.000Z', 'notifications'), {
      emailKey: `invoice:${invoiceId}`,
      template: 'invoice',
      subjectId: invoiceId,
      invoiceId,
      messageId: `<invoice.${invoiceId}@billing.test>`,
      sentAt: '2026-12-01T00:05:00.000Z',
    });
    stages.base.push({ topic: TOPICS.invoices, event: invoice }, { topic: TOPICS.payments, event: charge }, { topic: TOPICS.notifications, event: email });

    // The credit takes the second line first, then the first (a full credit takes both).
    const creditLines = c.credit <= 1_980 ? [{ line: lines[1], amountMinor: c.credit }] : [{ line: lines[0], amountMinor: c.credit - 1_980 }, { line: lines[1], amountMinor: 1_980 }];
    const note = { creditNoteId, creditNoteNumber, ...ref };
    const issued: Produced = {
      topic: TOPICS.invoices,
      event: createEvent(CreditNoteIssuedV1, meta(accountId, CREDITED_AT, 'invoicing'), {
        ...note,
        kind: c.kind ?? 'credit',
        reason: c.kind ?? `wrongly rated: ${c.name}`,
        lines: creditLines.map(({ line, amountMinor }) => ({ lineId: line.lineId, description: `${line.sku}, ${CORRECTIONS_PERIOD}`, amountMinor })),
        totalMinor: c.credit,
        invoiceTotalMinor: INVOICE_TOTAL,
        creditedBeforeMinor: 0,
        paidPartTo: c.to,
        issuedAt: CREDITED_AT,
        issuedBy: 'finance',
        customer,
      }),
    };
    const collectedPart = c.paid ? c.credit : 0;
    const settled: Produced = {
      topic: TOPICS.payments,
      event: createEvent(CreditNoteSettledV1, meta(accountId, SETTLED_AT, 'payments'), {
        ...note,
        totalMinor: c.credit,
        appliedToOutstandingMinor: c.credit - collectedPart,
        refundMinor: c.to === 'refund' ? collectedPart : 0,
        accountCreditMinor: c.to === 'account_credit' ? collectedPart : 0,
        outstandingAfterMinor: c.paid ? 0 : INVOICE_TOTAL - c.credit,
        settledAt: SETTLED_AT,
      }),
    };
    const refund: Produced | undefined =
      c.name === 'refund'
        ? {
            topic: TOPICS.payments,
            event: createEvent(RefundSucceededV1, meta(accountId, REFUND_AT, 'payments'), {
              ...note,
              amountMinor: c.credit,
              providerRefundId: `re_${accountId}`,
              providerPaymentIntentId: `pi_${accountId}`,
              succeededAt: REFUND_AT,
            }),
          }
        : c.name === 'failed'
          ? {
              topic: TOPICS.payments,
              event: createEvent(RefundFailedV1, meta(accountId, REFUND_AT, 'payments'), {
                ...note,
                amountMinor: c.credit,
                errorCode: 'charge_disputed',
                message: 'The charge was disputed, "cannot refund".',
                failedAt: REFUND_AT,
              }),
            }
          : undefined;
    stages.issued.push(issued);
    stages.settled.push(settled);
    if (refund) stages.refunds.push(refund);
    events[c.name] = { issued, settled, refund };
  });
  return { currency, accounts, stages, events };
}
