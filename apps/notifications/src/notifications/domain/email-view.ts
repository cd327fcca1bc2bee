import type { CustomerSnapshot, EventOf, emailTemplate } from '@billing/events';
import type { z } from 'zod';
import { languageOf } from '@billing/i18n';

/** The events that cause an email. Everything an email says comes from the event, never from current state. */
export type NotifiableEvent =
  | EventOf<'InvoiceGenerated'>
  | EventOf<'ChargeFailed'>
  | EventOf<'AccountHoldPlaced'>
  | EventOf<'AccountHoldReleased'>
  | EventOf<'CreditNoteIssued'>;

export type EmailTemplateName = z.infer<typeof emailTemplate>;

export const EMAIL_TEMPLATE_NAMES: readonly EmailTemplateName[] = [
  'invoice',
  'payment-failed',
  'account-on-hold',
  'hold-released',
  'credit-note',
];

/** The root context a template renders against: the event payload plus a few derived flags. */
export type EmailView = Record<string, unknown> & { customer: CustomerSnapshot };

export interface EmailSubject {
  template: EmailTemplateName;
  /** What the email is about: the invoice id, `invoiceId:attempt` for a payment failure, the hold id, or the credit note id. */
  subjectId: string;
  invoiceId: string | null;
  customer: CustomerSnapshot;
  /** The instant the email is dated with (issuedAt / failedAt / placedAt / releasedAt; a credit note's issuedAt). */
  datedAt: string;
  view: EmailView;
}

const AUTHENTICATION_REQUIRED = 'authentication_required';
const CARRIED_LINE_PREFIX = 'carried:';

type InvoicePayload = EventOf<'InvoiceGenerated'>['payload'];

/**
 * What the invoice email says will happen to the invoice — exactly one flag is true. With
 * `collection` (decided by invoicing at issue, obeyed by payments) the email says that; an older
 * event without it renders as before: charged when a payment method was on the invoice.
 */
function invoiceCollectionFlags(p: InvoicePayload) {
  const flags = {
    willCharge: false,
    chargeAutomatically: false,
    mustPay: false,
    noPaymentMethod: false,
    belowMinimum: false,
    manualCollection: false,
    nothingDue: false,
    /** The amount carried to the next invoice (below the provider minimum). */
    carriedForwardAmountMinor: 0,
  };
  switch (p.collection) {
    case undefined:
      if (!p.requiresCharge) return { ...flags, nothingDue: true };
      return p.payment.paymentMethodId !== null ? { ...flags, willCharge: true } : { ...flags, mustPay: true };
    case 'nothing_due':
      return { ...flags, nothingDue: true };
    case 'charge_automatically':
      return { ...flags, chargeAutomatically: true };
    case 'below_provider_minimum':
      return { ...flags, belowMinimum: true, carriedForwardAmountMinor: p.carriedForwardMinor ?? p.totalMinor };
    case 'no_payment_method':
      return { ...flags, noPaymentMethod: true };
    default:
      // manual_above_provider_maximum, and any later manual_* reason: payments will not charge it.
      return { ...flags, manualCollection: true };
  }
}

/** Decides which email an event causes and the data it is rendered from. Pure. */
export function emailSubjectFor(event: NotifiableEvent): EmailSubject {
  switch (event.type) {
    case 'InvoiceGenerated': {
      const p = event.payload;
      return {
        template: 'invoice',
        subjectId: p.invoiceId,
        invoiceId: p.invoiceId,
        customer: p.customer,
        datedAt: p.issuedAt,
        view: {
          ...p,
          hasCredit: p.creditAppliedMinor > 0,
          ...invoiceCollectionFlags(p),
          lines: p.lines.map((line) => {
            const carriedBalance = line.kind === 'carried_balance';
            return {
              ...line,
              carriedBalance,
              carriedFromInvoiceNumber: line.carriedFromInvoiceNumber ?? null,
              lateUsage: !carriedBalance && line.usagePeriod !== p.period,
            };
          }),
        },
      };
    }
    case 'ChargeFailed': {
      const p = event.payload;
      return {
        template: 'payment-failed',
        subjectId: `${p.invoiceId}:${p.attempt}`,
        invoiceId: p.invoiceId,
        customer: p.customer,
        datedAt: p.failedAt,
        view: {
          ...p,
          // The provider words its decline message in English only: it is quoted to English readers,
          // never dropped as an English sentence into an email in another language.
          providerMessage: languageOf(p.customer.locale) === 'en' ? p.message : null,
          // The card is fine; the bank wants the customer to confirm this payment (3-D Secure).
          authenticationRequired: p.errorCode === AUTHENTICATION_REQUIRED || p.declineCode === AUTHENTICATION_REQUIRED,
        },
      };
    }
    case 'AccountHoldPlaced': {
      const p = event.payload;
      return {
        template: 'account-on-hold',
        subjectId: p.holdId,
        invoiceId: null,
        customer: p.customer,
        datedAt: p.placedAt,
        view: { ...p },
      };
    }
    case 'AccountHoldReleased': {
      const p = event.payload;
      return {
        template: 'hold-released',
        subjectId: p.holdId,
        invoiceId: null,
        customer: p.customer,
        datedAt: p.releasedAt,
        view: { ...p },
      };
    }
    case 'CreditNoteIssued': {
      const p = event.payload;
      return {
        template: 'credit-note',
        subjectId: p.creditNoteId,
        invoiceId: p.invoiceId,
        customer: p.customer,
        datedAt: p.issuedAt,
        view: {
          ...p,
          isVoid: p.kind === 'void',
          // What happens to the part already paid is the note's promise (payments settles it so);
          // how much that part is, payments decides: the email names no refunded amount.
          refund: p.kind === 'credit' && p.paidPartTo === 'refund',
          accountCredit: p.kind === 'credit' && p.paidPartTo === 'account_credit',
          lines: p.lines.map((line) => ({
            ...line,
            // invoicing's line id of a carried balance (`carried:<invoiceId>`): its description is
            // invoicing's English text, so the email words it from the catalog instead
            carriedBalance: line.lineId.startsWith(CARRIED_LINE_PREFIX),
          })),
        },
      };
    }
    default: {
      const unexpected: never = event;
      throw new RangeError(`no email for event type ${(unexpected as { type: string }).type}`);
    }
  }
}
