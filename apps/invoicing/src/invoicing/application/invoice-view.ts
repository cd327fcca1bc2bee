import type { IssuedInvoice } from '../infrastructure/invoice.repository';

/**
 * An invoice as the invoice API shows it: the immutable snapshot it was issued with, plus the
 * account's zone and locale lifted to the top (they are on the snapshot's customer) and the
 * collection fields an invoice issued before they existed never had, filled as that invoice was
 * treated (charged when something was due; nothing carried forward).
 */
export function invoiceView(snapshot: IssuedInvoice) {
  return {
    ...snapshot,
    timeZone: snapshot.customer.timeZone,
    locale: snapshot.customer.locale,
    collection: snapshot.collection ?? (snapshot.requiresCharge ? 'charge_automatically' : 'nothing_due'),
    carriedForwardMinor: snapshot.carriedForwardMinor ?? 0,
  };
}

export type InvoiceView = ReturnType<typeof invoiceView>;

export const INVOICE_VIEW_DESCRIPTION =
  'The invoice as issued (immutable): invoiceId, invoiceNumber, accountId, period with periodStart/periodEnd, timeZone, ' +
  'locale, currency, lines (sku, description, quantity, unitPrice, amountMinor, kind usage|carried_balance), ' +
  'subtotalMinor, creditAppliedMinor, totalMinor, carriedForwardMinor, collection, issuedAt, dueAt, customer.';
