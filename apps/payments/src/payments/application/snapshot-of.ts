import { EventOf } from '@billing/events';

/** What payments keeps of an issued invoice (payment_invoices), from its InvoiceGenerated. */
export function snapshotOf(event: EventOf<'InvoiceGenerated'>) {
  const p = event.payload;
  return {
    invoiceId: p.invoiceId,
    accountId: event.accountId,
    invoiceNumber: p.invoiceNumber,
    currency: p.currency,
    totalMinor: p.totalMinor,
    customer: p.customer,
    providerCustomerId: p.payment.providerCustomerId,
    paymentMethodId: p.payment.paymentMethodId,
    collection: p.collection ?? null,
    issuedAt: p.issuedAt,
    dueAt: p.dueAt,
    correlationId: event.correlationId,
    sourceEventId: event.eventId,
  };
}
