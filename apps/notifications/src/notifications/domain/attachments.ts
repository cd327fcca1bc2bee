import { renderInvoicePdf, type Seller } from '@billing/documents';
import type { NotifiableEvent } from './email-view';

export interface EmailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface AttachmentOptions {
  /** INVOICE_EMAIL_ATTACH_PDF */
  attachInvoicePdf: boolean;
  seller: Seller;
}

/**
 * The files an email carries: with `attachInvoicePdf`, the invoice email carries the invoice PDF,
 * rendered from the event's snapshot with @billing/documents — the same bytes on every re-send
 * (and the same as invoicing's document.pdf when the seller config matches). Pure but for time spent.
 */
export async function attachmentsFor(event: NotifiableEvent, options: AttachmentOptions): Promise<EmailAttachment[]> {
  if (!options.attachInvoicePdf || event.type !== 'InvoiceGenerated') return [];
  const pdf = await renderInvoicePdf(event.payload, options.seller);
  return [{ filename: `${event.payload.invoiceNumber.replace(/[^A-Za-z0-9._-]/g, '_')}.pdf`, contentType: 'application/pdf', content: pdf }];
}
