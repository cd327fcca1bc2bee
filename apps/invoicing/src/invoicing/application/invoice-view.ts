import type { CorrectedInvoice } from '../infrastructure/invoice.repository';

/**
 * An invoice as the invoice API shows it: the immutable snapshot it was issued with, plus the
 * account's zone and locale lifted to the top (they are on the snapshot's customer) and the
 * collection fields an invoice issued before they existed never had, filled as that invoice was
 * treated (charged when something was due; nothing carried forward). Next to the snapshot, never
 * in it: what credit notes credited (`creditedMinor`), `voidedAt` and `status` (`issued` | `voided`).
 */
export function invoiceView(snapshot: CorrectedInvoice) {
  return {
    ...snapshot,
    status: snapshot.voidedAt === null ? ('issued' as const) : ('voided' as const),
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
  'subtotalMinor, creditAppliedMinor, totalMinor, carriedForwardMinor, collection, issuedAt, dueAt, customer; and what corrected it ' +
  'since: creditedMinor (the total of its credit notes, see /v1/invoices/{invoiceId}/credit-notes), status (issued|voided), voidedAt.';
