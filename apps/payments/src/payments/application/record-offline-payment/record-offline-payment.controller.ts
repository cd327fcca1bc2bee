import { Body, Controller, Headers, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { z } from 'zod';
import { fields } from '@billing/events';
import { RefusalStatus, Role, Roles, parseRequest, toHttpError } from '@billing/messaging';
import { OfflinePayment } from '../../infrastructure/offline-payment-store';
import { RecordOfflinePayment, RecordOfflinePaymentResult } from './record-offline-payment';

const ALLOWED: Role[] = ['finance', 'operator'];

/** 404 unknown invoice, 409 its state or the key, 422 (the rest) what the request asks for. */
const REFUSAL_STATUS: Partial<Record<Extract<RecordOfflinePaymentResult, { ok: false }>['code'], RefusalStatus>> = {
  not_found: 404,
  charge_in_flight: 409,
  idempotency_key_reused: 409,
};

const params = z.object({ invoiceId: z.string().uuid({ message: 'must be a UUID' }) });

const idempotencyKey = z
  .string({ message: 'is required: a unique key per payment makes a repeated request safe' })
  .trim()
  .min(1, { message: 'must not be empty' })
  .max(255, { message: 'must be at most 255 characters' });

const body = z
  .object({
    amountMinor: z
      .number({ message: 'must be an integer amount of minor units' })
      .refine((n) => Number.isSafeInteger(n) && n > 0, { message: 'must be a positive integer amount of minor units' }),
    currency: fields.currencyCode,
    method: z.enum(['bank_transfer', 'cheque', 'other'], { message: "must be 'bank_transfer', 'cheque' or 'other'" }),
    reference: z.string({ message: 'is required' }).trim().min(1, { message: 'must not be empty' }).max(200),
    receivedAt: fields.utcInstant,
  })
  .strict();

@ApiTags('payments')
@ApiBearerAuth()
@Controller('v1/invoices')
export class RecordOfflinePaymentController {
  constructor(private readonly recordOfflinePayment: RecordOfflinePayment) {}

  @Post(':invoiceId/payments')
  @Roles(...ALLOWED)
  @ApiOperation({
    summary: 'Record a payment received outside the provider (bank transfer, cheque)',
    description:
      'Adds the amount to what the invoice has collected and emits PaymentRecorded (billing.payments) in one transaction. ' +
      'Partial payments are allowed; more than is outstanding is refused (no silent credit). Roles: finance, operator. ' +
      'The same Idempotency-Key with the same body answers the first payment again (header Idempotent-Replayed: true) ' +
      'and records nothing; with another body it is refused with 409.',
  })
  @ApiParam({ name: 'invoiceId', format: 'uuid' })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: 'A unique key per payment (at most 255 characters).' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['amountMinor', 'currency', 'method', 'reference', 'receivedAt'],
      additionalProperties: false,
      properties: {
        amountMinor: { type: 'integer', minimum: 1, description: 'Integer minor units of the currency (JPY: yen, KWD: fils).' },
        currency: { type: 'string', example: 'JPY', description: "ISO 4217; must be the invoice's currency." },
        method: { type: 'string', enum: ['bank_transfer', 'cheque', 'other'] },
        reference: { type: 'string', maxLength: 200, example: 'SWIFT MT103 20261209-0042' },
        receivedAt: { type: 'string', format: 'date-time', example: '2026-12-09T09:00:00Z', description: 'UTC, not in the future.' },
      },
    },
  })
  @ApiCreatedResponse({
    description:
      'The payment: paymentId, invoiceId, invoiceNumber, method, amountMinor, currency, reference, receivedAt, recordedAt, recordedBy, outstandingAfterMinor.',
  })
  @ApiBadRequestResponse({ description: 'No Idempotency-Key, or a field is invalid; the message names it.' })
  @ApiUnauthorizedResponse({ description: 'No bearer token, or an unknown one.' })
  @ApiForbiddenResponse({ description: 'The token has neither role finance nor operator.' })
  @ApiNotFoundResponse({ description: 'code not_found: payments never received this invoice.' })
  @ApiConflictResponse({
    description: 'code charge_in_flight: a card attempt of the invoice is pending; code idempotency_key_reused: the key was used for another request.',
  })
  @ApiUnprocessableEntityResponse({
    description: "code currency_mismatch, amount_exceeds_outstanding (no silent credit) or received_in_future.",
  })
  async record(
    @Param() input: Record<string, string>,
    @Headers('idempotency-key') key: string | undefined,
    @Body() payload: unknown,
    @Req() request: { principal?: { roles?: Role[] } },
    @Res({ passthrough: true }) response: { setHeader(name: string, value: string): void },
  ): Promise<OfflinePayment> {
    const { invoiceId } = parseRequest(params, input, 'params');
    const idempotency = parseRequest(idempotencyKey, key, 'header.Idempotency-Key');
    const payment = parseRequest(body, payload ?? {});
    const recordedBy = (request.principal?.roles ?? []).filter((r) => ALLOWED.includes(r)).join('+');
    const result = await this.recordOfflinePayment.execute({
      invoiceId,
      idempotencyKey: idempotency,
      ...payment,
      receivedAt: new Date(payment.receivedAt).toISOString(),
      recordedBy,
    });
    if (!result.ok) throw toHttpError(result, REFUSAL_STATUS, 422);
    if (result.replayed) response.setHeader('Idempotent-Replayed', 'true');
    return result.payment;
  }
}

