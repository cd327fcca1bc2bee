import type { EventOf } from '@billing/events';
import type { NotifiableEvent } from './email-view';

/**
 * Sample events every template is rendered against at load time, chosen so that each branch of
 * each template runs (strict mode only notices a missing variable on a branch that executes).
 * Tests reuse them. They are valid against the @billing/events contracts.
 */

const customer = {
  name: 'Ann Example',
  email: 'ann@example.test',
  timeZone: 'America/Los_Angeles',
  locale: 'en-US',
};

const meta = {
  version: 1 as const,
  producer: 'sample',
  accountId: 'acct-sample-1',
  correlationId: 'a1b2c3d4-0000-4000-8000-000000000001',
  causationId: null,
};

const INVOICE_ID = '5d1f7a3e-2c4b-4e8f-9a1d-3b5c7e9f1a2b';
const HOLD_ID = '8e2a4c6d-1f3b-4d5e-8a7c-9b1d3f5e7a9c';

/** The seed scenario: a $10.00 invoice for an account in Los Angeles, issued 2017-08-08T03:31:09Z. */
export const sampleInvoiceGenerated: EventOf<'InvoiceGenerated'> = {
  ...meta,
  eventId: '0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d60',
  type: 'InvoiceGenerated',
  occurredAt: '2017-08-08T03:31:09.000Z',
  payload: {
    invoiceId: INVOICE_ID,
    invoiceNumber: 'INV-2017-07-000001',
    runId: 'a1b2c3d4-0000-4000-8000-000000000001',
    period: '2017-07',
    periodStart: '2017-07-01T07:00:00.000Z',
    periodEnd: '2017-08-01T07:00:00.000Z',
    currency: 'USD',
    subtotalMinor: 1000,
    creditAppliedMinor: 0,
    totalMinor: 1000,
    issuedAt: '2017-08-08T03:31:09Z',
    dueAt: '2017-08-22T07:00:00Z',
    lines: [
      {
        lineId: 'line-1',
        sku: 'compute.vcpu-hour',
        description: 'Compute (vCPU hours)',
        resourceId: 'vm-42',
        unit: 'vCPU-hour',
        quantity: '800',
        unitPrice: '0.0125',
        amountMinor: 1000,
        capped: false,
        usagePeriod: '2017-07',
      },
    ],
    customer,
    payment: { providerCustomerId: 'cus_sample', paymentMethodId: 'pm_card_visa' },
    requiresCharge: true,
  },
};

/** An invoice with a credit, late usage and no card on file: the customer pays it themselves. */
const sampleInvoiceWithCredit: EventOf<'InvoiceGenerated'> = {
  ...sampleInvoiceGenerated,
  eventId: '0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d61',
  payload: {
    ...sampleInvoiceGenerated.payload,
    subtotalMinor: 2500,
    creditAppliedMinor: 500,
    totalMinor: 2000,
    lines: [
      ...sampleInvoiceGenerated.payload.lines,
      {
        lineId: 'line-2',
        sku: 'storage.gb-month',
        description: 'Storage (late usage)',
        resourceId: null,
        unit: 'GB-month',
        quantity: '12.345',
        unitPrice: '1.215',
        amountMinor: 1500,
        capped: true,
        usagePeriod: '2017-06',
      },
    ],
    payment: { providerCustomerId: null, paymentMethodId: null },
  },
};

/** A zero invoice: nothing to pay. */
const sampleZeroInvoice: EventOf<'InvoiceGenerated'> = {
  ...sampleInvoiceGenerated,
  eventId: '0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d62',
  payload: { ...sampleInvoiceGenerated.payload, subtotalMinor: 0, totalMinor: 0, lines: [], requiresCharge: false },
};

/** An invoice issued with its collection decided: charged automatically, carrying an earlier balance. */
export const sampleInvoiceChargedAutomatically: EventOf<'InvoiceGenerated'> = {
  ...sampleInvoiceGenerated,
  eventId: '0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d63',
  payload: {
    ...sampleInvoiceGenerated.payload,
    subtotalMinor: 1030,
    totalMinor: 1030,
    lines: [
      ...sampleInvoiceGenerated.payload.lines,
      {
        lineId: 'carried-1',
        sku: 'carried_balance',
        description: 'Balance carried over from INV-2017-06-000001',
        resourceId: null,
        unit: 'invoice',
        quantity: '1',
        unitPrice: '0.30',
        amountMinor: 30,
        capped: false,
        usagePeriod: '2017-06',
        kind: 'carried_balance',
        carriedFromInvoiceId: '7f3a9c5b-4e6d-4a0b-9c3f-5d7e9a1b3c4d',
        carriedFromInvoiceNumber: 'INV-2017-06-000001',
      },
    ],
    collection: 'charge_automatically',
    carriedForwardMinor: 0,
  },
};

/** $0.30: below the provider's minimum charge, carried to the next invoice. */
export const sampleInvoiceBelowMinimum: EventOf<'InvoiceGenerated'> = {
  ...sampleInvoiceGenerated,
  eventId: '0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d64',
  payload: {
    ...sampleInvoiceGenerated.payload,
    subtotalMinor: 30,
    totalMinor: 30,
    lines: sampleInvoiceGenerated.payload.lines.map((line) => ({ ...line, quantity: '24', amountMinor: 30 })),
    collection: 'below_provider_minimum',
    carriedForwardMinor: 30,
  },
};

/** No payment method on the account at issue: add one, or pay by bank transfer. */
export const sampleInvoiceNoPaymentMethod: EventOf<'InvoiceGenerated'> = {
  ...sampleInvoiceGenerated,
  eventId: '0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d65',
  payload: {
    ...sampleInvoiceGenerated.payload,
    payment: { providerCustomerId: 'cus_sample', paymentMethodId: null },
    collection: 'no_payment_method',
    carriedForwardMinor: 0,
  },
};

const sampleInvoiceManual: EventOf<'InvoiceGenerated'> = {
  ...sampleInvoiceGenerated,
  eventId: '0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d66',
  payload: { ...sampleInvoiceGenerated.payload, collection: 'manual_above_provider_maximum', carriedForwardMinor: 0 },
};

/** A carried line whose event lacks the earlier invoice's number still renders. */
const sampleInvoiceCarriedWithoutNumber: EventOf<'InvoiceGenerated'> = {
  ...sampleInvoiceChargedAutomatically,
  eventId: '0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d67',
  payload: {
    ...sampleInvoiceChargedAutomatically.payload,
    lines: sampleInvoiceChargedAutomatically.payload.lines.map(({ carriedFromInvoiceNumber: _omitted, ...line }) => line),
  },
};

export const sampleChargeFailed: EventOf<'ChargeFailed'> = {
  ...meta,
  eventId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e50',
  type: 'ChargeFailed',
  occurredAt: '2017-08-08T03:35:00.000Z',
  causationId: sampleInvoiceGenerated.eventId,
  payload: {
    invoiceId: INVOICE_ID,
    invoiceNumber: 'INV-2017-07-000001',
    attempt: 1,
    amountMinor: 1000,
    currency: 'USD',
    errorCode: 'card_declined',
    declineCode: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
    retryable: true,
    providerPaymentIntentId: 'pi_sample',
    failedAt: '2017-08-08T03:35:00Z',
    dueAt: '2017-08-22T07:00:00Z',
    customer,
  },
};

const sampleChargeFailedActionRequired: EventOf<'ChargeFailed'> = {
  ...sampleChargeFailed,
  eventId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e51',
  payload: {
    ...sampleChargeFailed.payload,
    errorCode: 'card_declined',
    declineCode: 'lost_card',
    message: 'Your card was declined.',
    retryable: false,
  },
};

/** The card is fine; the bank asks the customer to authenticate the payment (3-D Secure). */
export const sampleChargeFailedAuthenticationRequired: EventOf<'ChargeFailed'> = {
  ...sampleChargeFailed,
  eventId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e52',
  payload: {
    ...sampleChargeFailed.payload,
    errorCode: 'authentication_required',
    declineCode: 'authentication_required',
    message: 'Your card was declined. This transaction requires authentication.',
    retryable: false,
  },
};

export const sampleAccountHoldPlaced: EventOf<'AccountHoldPlaced'> = {
  ...meta,
  eventId: '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f60',
  type: 'AccountHoldPlaced',
  occurredAt: '2017-08-23T07:00:00.000Z',
  payload: {
    holdId: HOLD_ID,
    reason: 'retries_exhausted',
    unpaidInvoices: [{ invoiceId: INVOICE_ID, invoiceNumber: 'INV-2017-07-000001', amountMinor: 1000, currency: 'USD' }],
    placedAt: '2017-08-23T07:00:00Z',
    customer,
  },
};

const sampleAccountHoldPlacedActionRequired: EventOf<'AccountHoldPlaced'> = {
  ...sampleAccountHoldPlaced,
  eventId: '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f61',
  payload: {
    ...sampleAccountHoldPlaced.payload,
    reason: 'payment_action_required',
    unpaidInvoices: [
      ...sampleAccountHoldPlaced.payload.unpaidInvoices,
      {
        invoiceId: '6e2f8b4a-3d5c-4f9a-8b2e-4c6d8f0a2b3c',
        invoiceNumber: 'INV-2017-08-000001',
        amountMinor: 2000,
        currency: 'USD',
      },
    ],
  },
};

export const sampleAccountHoldReleased: EventOf<'AccountHoldReleased'> = {
  ...meta,
  eventId: '3e4f5a6b-7c8d-4e9f-8a1b-2c3d4e5f6a70',
  type: 'AccountHoldReleased',
  occurredAt: '2017-08-24T16:20:00.000Z',
  payload: {
    holdId: HOLD_ID,
    reason: 'paid',
    releasedAt: '2017-08-24T16:20:00Z',
    releasedBy: null,
    note: null,
    customer,
  },
};

const sampleAccountHoldReleasedManually: EventOf<'AccountHoldReleased'> = {
  ...sampleAccountHoldReleased,
  eventId: '3e4f5a6b-7c8d-4e9f-8a1b-2c3d4e5f6a71',
  payload: { ...sampleAccountHoldReleased.payload, reason: 'manual', releasedBy: 'ops@example.test', note: 'goodwill' },
};

/** A credit note of part of the seed invoice; what was already paid of it is refunded. */
export const sampleCreditNote: EventOf<'CreditNoteIssued'> = {
  ...meta,
  eventId: '4f5a6b7c-8d9e-4f0a-9b1c-2d3e4f5a6b70',
  type: 'CreditNoteIssued',
  occurredAt: '2017-08-10T17:00:00.000Z',
  payload: {
    creditNoteId: '9c8b7a6f-5e4d-4c3b-8a29-1f0e9d8c7b6a',
    creditNoteNumber: 'CN-2017-08-000001',
    invoiceId: INVOICE_ID,
    invoiceNumber: 'INV-2017-07-000001',
    kind: 'credit',
    reason: 'Compute hours were counted twice on 12 July',
    currency: 'USD',
    lines: [{ lineId: 'line-1', description: 'Compute (vCPU hours)', amountMinor: 250 }],
    totalMinor: 250,
    invoiceTotalMinor: 1000,
    creditedBeforeMinor: 0,
    paidPartTo: 'refund',
    issuedAt: '2017-08-10T17:00:00Z',
    issuedBy: 'finance',
    customer,
  },
};

/** A credit note that keeps what was already paid as account credit, crediting a carried balance too. */
const sampleCreditNoteAccountCredit: EventOf<'CreditNoteIssued'> = {
  ...sampleCreditNote,
  eventId: '4f5a6b7c-8d9e-4f0a-9b1c-2d3e4f5a6b71',
  payload: {
    ...sampleCreditNote.payload,
    creditNoteId: '9c8b7a6f-5e4d-4c3b-8a29-1f0e9d8c7b6b',
    creditNoteNumber: 'CN-2017-08-000002',
    lines: [
      ...sampleCreditNote.payload.lines,
      { lineId: 'carried:7d6c5b4a-3928-4176-8e5d-4c3b2a190807', description: 'Balance carried over from INV-2017-06-000009', amountMinor: 30 },
    ],
    totalMinor: 280,
    creditedBeforeMinor: 250,
    paidPartTo: 'account_credit',
  },
};

/** The void of the seed invoice: a full credit note, reason `void`. */
export const sampleVoidCreditNote: EventOf<'CreditNoteIssued'> = {
  ...sampleCreditNote,
  eventId: '4f5a6b7c-8d9e-4f0a-9b1c-2d3e4f5a6b72',
  payload: {
    ...sampleCreditNote.payload,
    creditNoteId: '9c8b7a6f-5e4d-4c3b-8a29-1f0e9d8c7b6c',
    creditNoteNumber: 'CN-2017-08-000003',
    kind: 'void',
    reason: 'void',
    lines: [{ ...sampleCreditNote.payload.lines[0], amountMinor: 1000 }],
    totalMinor: 1000,
    issuedBy: 'admin',
  },
};

export const SAMPLE_EVENTS: readonly NotifiableEvent[] = [
  sampleInvoiceGenerated,
  sampleInvoiceWithCredit,
  sampleZeroInvoice,
  sampleInvoiceChargedAutomatically,
  sampleInvoiceBelowMinimum,
  sampleInvoiceNoPaymentMethod,
  sampleInvoiceManual,
  sampleInvoiceCarriedWithoutNumber,
  sampleChargeFailed,
  sampleChargeFailedActionRequired,
  sampleChargeFailedAuthenticationRequired,
  sampleAccountHoldPlaced,
  sampleAccountHoldPlacedActionRequired,
  sampleAccountHoldReleased,
  sampleAccountHoldReleasedManually,
  sampleCreditNote,
  sampleCreditNoteAccountCredit,
  sampleVoidCreditNote,
];
