import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { renderInvoicePdf, sellerOf, type Seller } from '@billing/documents';
import { INVOICING_CONFIG, InvoicingConfig } from '../../../config';
import { invoiceRepository, type IssuedInvoice } from '../../infrastructure/invoice.repository';

export interface InvoiceDocument {
  invoice: IssuedInvoice;
  pdf: Buffer;
  /** sha256 of the bytes: the same invoice always renders to the same bytes, so this is its stable ETag. */
  sha256: string;
  filename: string;
}

/** invoices/render-document: the PDF of an issued invoice, from its stored snapshot. */
@Injectable()
export class InvoiceDocuments {
  private readonly seller: Seller;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(INVOICING_CONFIG) config: InvoicingConfig,
  ) {
    this.seller = sellerOf(config);
  }

  get sellerDetails(): Seller {
    return this.seller;
  }

  async snapshot(invoiceId: string): Promise<IssuedInvoice | null> {
    return invoiceRepository.findSnapshot(this.dataSource.manager, invoiceId);
  }

  /** The invoice's PDF, or null when no invoice has this id. */
  async pdf(invoiceId: string): Promise<InvoiceDocument | null> {
    const invoice = await this.snapshot(invoiceId);
    if (!invoice) return null;
    const pdf = await renderInvoicePdf(invoice, this.seller);
    return {
      invoice,
      pdf,
      sha256: createHash('sha256').update(pdf).digest('hex'),
      filename: `${invoice.invoiceNumber.replace(/[^A-Za-z0-9._-]/g, '_')}.pdf`,
    };
  }
}

/** The response headers of a PDF document (ETag = sha256 of the bytes). */
export function pdfHeaders(document: InvoiceDocument): Record<string, string> {
  return {
    'Content-Type': 'application/pdf',
    'Content-Disposition': `inline; filename="${document.filename}"`,
    ETag: `"${document.sha256}"`,
    'Cache-Control': 'private, no-cache',
  };
}
