import { Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { z } from 'zod';
import { Roles, parseRequest, toHttpError } from '@billing/messaging';
import { PayInvoiceNow } from './pay-invoice-now';

const invoiceParam = z.string().uuid({ message: 'must be a uuid' });
const idempotencyKey = z.string({ message: 'is required' }).trim().min(1, { message: 'must not be empty' }).max(200);

@ApiTags('invoices')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No bearer token, or an unknown one.' })
@ApiForbiddenResponse({ description: 'The token lacks the operator role.' })
@Controller('v1/invoices')
export class PayInvoiceNowController {
  constructor(private readonly payInvoiceNow: PayInvoiceNow) {}

  @Post(':invoiceId/pay')
  @HttpCode(202)
  @Roles('operator')
  @ApiOperation({
    summary: 'Charge an unpaid invoice now, with the account’s current payment method',
    description:
      'Requests the invoice’s next charge attempt at once (ChargeRetryRequested, reason pay_now); a scheduled retry ' +
      'not yet made is this attempt, brought forward. The outcome arrives as ChargeSucceeded / ChargeFailed. ' +
      'The same Idempotency-Key answers the same again and requests nothing new.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: 'Makes repeats safe: one attempt per key.' })
  @ApiAcceptedResponse({ description: '`{ invoiceId, attempt }`: the attempt requested.' })
  @ApiBadRequestResponse({ description: 'No Idempotency-Key header, or the invoice id is not a uuid.' })
  @ApiNotFoundResponse({ description: '`invoice_not_found`: collections never heard of the invoice.' })
  @ApiConflictResponse({
    description:
      '`nothing_outstanding` (paid, or carried to the next invoice), `attempt_in_flight` (wait for its outcome), ' +
      'or `idempotency_key_reused` (the key was used for another invoice).',
  })
  async pay(@Param('invoiceId') id: string, @Headers('idempotency-key') key: string | undefined) {
    const invoiceId = parseRequest(invoiceParam, id, 'params.invoiceId');
    const idempotencyKeyValue = parseRequest(idempotencyKey, key, 'headers.idempotency-key');
    const result = await this.payInvoiceNow.execute({ invoiceId, idempotencyKey: idempotencyKeyValue });
    if (!result.ok) throw toHttpError(result, { invoice_not_found: 404 }, 409);
    return { invoiceId: result.invoiceId, attempt: result.attempt };
  }
}
