import { Controller, Get, Header, NotFoundException, Param, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { fields } from '@billing/events';
import { Roles, parseRequest } from '@billing/messaging';
import { ReadDocs } from '../../infrastructure/http/api-docs';
import { InvoiceDocuments, pdfHeaders } from './invoice-documents';

const params = z.object({ invoiceId: fields.uuid });

export interface PdfRequest {
  headers: Record<string, string | string[] | undefined>;
}
export interface PdfResponse {
  setHeader(name: string, value: string): unknown;
  status(code: number): unknown;
}

@ApiTags('invoices')
@Controller('v1/invoices')
export class GetInvoiceDocumentController {
  constructor(private readonly documents: InvoiceDocuments) {}

  @Get(':invoiceId/document.pdf')
  @Roles('finance', 'operator')
  @Header('Vary', 'Authorization')
  @ReadDocs({
    summary: 'The invoice as a PDF, in the customer language',
    roles: 'finance, operator',
    ok: 'application/pdf rendered from the issued snapshot; the same invoice always gives the same bytes, and ETag is their sha256 (If-None-Match answers 304).',
    badRequest: 'The id is not a UUID.',
    notFound: 'No invoice has this id.',
  })
  @ApiProduces('application/pdf')
  @ApiParam({ name: 'invoiceId', description: 'Invoice id (UUID)' })
  async pdf(@Param() input: unknown, @Req() request: PdfRequest, @Res({ passthrough: true }) response: PdfResponse): Promise<StreamableFile | undefined> {
    const { invoiceId } = parseRequest(params, input, 'params');
    const document = await this.documents.pdf(invoiceId);
    if (!document) throw new NotFoundException(`invoice ${invoiceId} does not exist`);
    return sendPdf(document, request, response);
  }
}

/** Sends the PDF with its headers, or 304 when the client already has these bytes. */
export function sendPdf(
  document: NonNullable<Awaited<ReturnType<InvoiceDocuments['pdf']>>>,
  request: PdfRequest,
  response: PdfResponse,
): StreamableFile | undefined {
  const headers = pdfHeaders(document);
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  if (request.headers['if-none-match'] === headers.ETag) {
    response.status(304);
    return undefined;
  }
  return new StreamableFile(document.pdf, { type: 'application/pdf', length: document.pdf.length });
}
