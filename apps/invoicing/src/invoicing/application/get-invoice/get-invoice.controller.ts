import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { fields } from '@billing/events';
import { Roles, parseRequest } from '@billing/messaging';
import { ReadDocs } from '../../infrastructure/http/api-docs';
import { invoiceRepository } from '../../infrastructure/invoice.repository';
import { INVOICE_VIEW_DESCRIPTION, InvoiceView, invoiceView } from '../invoice-view';

const params = z.object({ invoiceId: fields.uuid });

/** invoices/get: a read, so the controller asks the repository directly. */
@ApiTags('invoices')
@Controller('v1/invoices')
export class GetInvoiceController {
  constructor(private readonly dataSource: DataSource) {}

  @Get(':invoiceId')
  @Roles('finance', 'operator')
  @ReadDocs({
    summary: 'One invoice as it was issued',
    roles: 'finance, operator',
    ok: INVOICE_VIEW_DESCRIPTION,
    badRequest: 'The id is not a UUID.',
    notFound: 'No invoice has this id.',
  })
  @ApiParam({ name: 'invoiceId', description: 'Invoice id (UUID)' })
  async get(@Param() input: unknown): Promise<InvoiceView> {
    const { invoiceId } = parseRequest(params, input, 'params');
    const snapshot = await invoiceRepository.findCorrected(this.dataSource.manager, invoiceId);
    if (!snapshot) throw new NotFoundException(`invoice ${invoiceId} does not exist`);
    return invoiceView(snapshot);
  }
}
