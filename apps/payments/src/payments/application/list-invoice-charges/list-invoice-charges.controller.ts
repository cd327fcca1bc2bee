import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { z } from 'zod';
import { Roles, parseRequest } from '@billing/messaging';
import { InvoiceCharges, ListInvoiceCharges } from './list-invoice-charges';

const params = z.object({ id: z.string().uuid({ message: 'must be a UUID' }) });

@Controller('v1/invoices')
export class ListInvoiceChargesController {
  constructor(private readonly listInvoiceCharges: ListInvoiceCharges) {}

  /** Every charge attempt of the invoice with its status, provider ids and error codes. */
  @Get(':id/charges')
  @Roles('finance', 'admin', 'service')
  async list(@Param() input: Record<string, string>): Promise<InvoiceCharges> {
    const { id } = parseRequest(params, input, 'params');
    const charges = await this.listInvoiceCharges.execute(id);
    if (charges === undefined) throw new NotFoundException(`invoice ${id} is unknown to payments`);
    return charges;
  }
}
