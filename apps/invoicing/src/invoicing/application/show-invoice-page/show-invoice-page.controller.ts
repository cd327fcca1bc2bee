import { Controller, Get, Header, Inject, NotFoundException, Param, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { invoiceContent, verifyInvoicePageToken } from '@billing/documents';
import { CLOCK, Clock } from '@billing/messaging';
import { INVOICING_CONFIG, InvoicingConfig } from '../../../config';
import { PdfRequest, PdfResponse, sendPdf } from '../render-invoice-document/get-invoice-document.controller';
import { InvoiceDocuments } from '../render-invoice-document/invoice-documents';
import { invoicePageHtml } from './invoice-page';

/**
 * invoices/show-page: the customer's hosted invoice page, `/i/{token}` and its PDF, with no login.
 * The signed token is the only credential: a malformed, tampered or expired one — or one naming no
 * invoice — gets the same bare 404, so a guess learns nothing.
 */
@ApiExcludeController()
@Controller('i')
export class ShowInvoicePageController {
  constructor(
    private readonly documents: InvoiceDocuments,
    @Inject(INVOICING_CONFIG) private readonly config: InvoicingConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  private invoiceIdOf(token: unknown): string {
    const verified = typeof token === 'string' ? verifyInvoicePageToken(token, this.config.INVOICE_PAGE_SECRET, this.clock.now().toISOString()) : null;
    if (!verified) throw notFound();
    return verified.invoiceId;
  }

  @Get(':token')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'private, no-store')
  @Header('Referrer-Policy', 'no-referrer')
  async page(@Param('token') token: unknown): Promise<string> {
    const invoice = await this.documents.snapshot(this.invoiceIdOf(token));
    if (!invoice) throw notFound();
    return invoicePageHtml(invoiceContent(invoice, this.documents.sellerDetails), `${encodeURIComponent(token as string)}/document.pdf`);
  }

  @Get(':token/document.pdf')
  @Header('Referrer-Policy', 'no-referrer')
  async pdf(@Param('token') token: unknown, @Req() request: PdfRequest, @Res({ passthrough: true }) response: PdfResponse): Promise<StreamableFile | undefined> {
    const document = await this.documents.pdf(this.invoiceIdOf(token));
    if (!document) throw notFound();
    return sendPdf(document, request, response);
  }
}

function notFound(): NotFoundException {
  return new NotFoundException({ statusCode: 404, message: 'Not Found' });
}
