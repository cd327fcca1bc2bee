import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { z } from 'zod';
import { Roles, parseRequest } from '@billing/messaging';
import { InvoiceCharges, ListInvoiceCharges } from './list-invoice-charges';

const params = z.object({ id: z.string().uuid({ message: 'must be a UUID' }) });

@ApiTags('payments')
@ApiBearerAuth()
@Controller('v1/invoices')
export class ListInvoiceChargesController {
  constructor(private readonly listInvoiceCharges: ListInvoiceCharges) {}

  /** Every charge attempt of the invoice with its status, provider ids and error codes. */
  @Get(':id/charges')
  @Roles('finance', 'admin', 'service')
  @ApiOperation({ summary: 'The charge attempts of an invoice', description: 'Roles: finance, admin, service. Oldest attempt first.' })
  @ApiOkResponse({
    description: 'The invoice total, collected and outstanding amounts, and each attempt: status, payment method, provider ids, error codes.',
  })
  @ApiBadRequestResponse({ description: 'The id is not a UUID.' })
  @ApiUnauthorizedResponse({ description: 'No bearer token, or an unknown one.' })
  @ApiForbiddenResponse({ description: 'The token lacks the needed role.' })
  @ApiNotFoundResponse({ description: 'Payments never received this invoice.' })
  async list(@Param() input: Record<string, string>): Promise<InvoiceCharges> {
    const { id } = parseRequest(params, input, 'params');
    const charges = await this.listInvoiceCharges.execute(id);
    if (charges === undefined) throw new NotFoundException(`invoice ${id} is unknown to payments`);
    return charges;
  }
}
