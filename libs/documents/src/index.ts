export { renderInvoicePdf } from './invoice-pdf';
export { collectionMessage, invoiceContent, sellerConfigShape, sellerOf } from './invoice-content';
export type { DocumentLine, InvoiceContent, InvoiceSnapshot, Seller } from './invoice-content';
export { rtlVisualRuns } from './bidi';
export { invoicePageConfigShape, invoicePageToken, invoicePageUrl, verifyInvoicePageToken } from './invoice-page-link';
export type { InvoicePageLinks } from './invoice-page-link';
