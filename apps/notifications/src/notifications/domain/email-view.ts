import type { CustomerSnapshot, EventOf, emailTemplate } from '@billing/events';
import type { z } from 'zod';

/** The events that cause an email. Everything an email says comes from the event, never from current state. */
export type NotifiableEvent =
  | EventOf<'InvoiceGenerated'>
  | EventOf<'ChargeFailed'>
  | EventOf<'AccountHoldPlaced'>
  | EventOf<'AccountHoldReleased'>;

export type EmailTemplateName = z.infer<typeof emailTemplate>;

export const EMAIL_TEMPLATE_NAMES: readonly EmailTemplateName[] = [
  'invoice',
  'payment-failed',
  'account-on-hold',
  'hold-released',
];

/** The root context a template renders against: the event payload plus a few derived flags. */
export type EmailView = Record<string, unknown> & { customer: CustomerSnapshot };

export interface EmailSubject {
  template: EmailTemplateName;
  /** What the email is about: the invoice id, `invoiceId:attempt` for a payment failure, or the hold id. */
  subjectId: string;
  invoiceId: string | null;
  customer: CustomerSnapshot;
  /** The instant the email is dated with (issuedAt / failedAt / placedAt / releasedAt). */
  datedAt: string;
  view: EmailView;
}

/** Decides which email an event causes and the data it is rendered from. Pure. */
export function emailSubjectFor(event: NotifiableEvent): EmailSubject {
  switch (event.type) {
    case 'InvoiceGenerated': {
      const p = event.payload;
      // Invoicing may mark an invoice for collection by hand (e.g. above the provider's maximum):
      // payments will not charge it, so the email must not promise a charge. Absent = as before.
      const manualCollection = p.requiresCharge && p.collection !== undefined && p.collection !== 'charge_automatically';
      const charged = p.requiresCharge && p.payment.paymentMethodId !== null && !manualCollection;
      return {
        template: 'invoice',
        subjectId: p.invoiceId,
        invoiceId: p.invoiceId,
        customer: p.customer,
        datedAt: p.issuedAt,
        view: {
          ...p,
          hasCredit: p.creditAppliedMinor > 0,
          willCharge: charged,
          mustPay: p.requiresCharge && !charged && !manualCollection,
          manualCollection,
          nothingDue: !p.requiresCharge,
          lines: p.lines.map((line) => ({ ...line, lateUsage: line.usagePeriod !== p.period })),
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
        view: { ...p },
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
        view: { ...p, singleInvoice: p.unpaidInvoices.length === 1 },
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
    default: {
      const unexpected: never = event;
      throw new RangeError(`no email for event type ${(unexpected as { type: string }).type}`);
    }
  }
}
