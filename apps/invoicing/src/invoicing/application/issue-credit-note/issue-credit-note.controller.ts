import { Body, Controller, Headers, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { creditNoteSettlementV1, fields } from '@billing/events';
import { Role, Roles, parseRequest } from '@billing/messaging';
import { StoredCreditNote } from '../../infrastructure/credit-note.repository';
import { CreditNoteWriteDocs, issueOverHttp } from './credit-note-http';
import { IssueCreditNote } from './issue-credit-note';

const ALLOWED: Role[] = ['finance', 'admin'];

const body = z
  .object({
    reason: z.string({ message: 'is required' }).trim().min(1, { message: 'must not be empty' }).max(500, { message: 'must be at most 500 characters' }),
    paidPartTo: creditNoteSettlementV1.default('refund'),
    currency: fields.currencyCode.optional(),
    lines: z
      .array(
        z
          .object({
            lineId: z.string({ message: 'is required' }).min(1, { message: 'must not be empty' }).max(500),
            amountMinor: z
              .number({ message: 'must be an integer amount of minor units' })
              .refine((n) => Number.isSafeInteger(n) && n > 0, { message: 'must be a positive integer amount of minor units' })
              .optional(),
          })
          .strict(),
        { message: 'must be a list of {lineId, amountMinor?}' },
      )
      .min(1, { message: 'must name at least one line' })
      .max(10_000)
      .superRefine((lines, ctx) => {
        const seen = new Set<string>();
        lines.forEach((line, i) => {
          if (seen.has(line.lineId)) ctx.addIssue({ code: 'custom', path: [i, 'lineId'], message: 'names a line already named: one entry per line' });
          seen.add(line.lineId);
        });
      }),
  })
  .strict();

@ApiTags('invoices')
@Controller('v1/invoices')
export class IssueCreditNoteController {
  constructor(private readonly issueCreditNote: IssueCreditNote) {}

  @Post(':invoiceId/credit-notes')
  @HttpCode(201)
  @Roles(...ALLOWED)
  @CreditNoteWriteDocs({
    summary: 'Correct an issued invoice with a credit note',
    description:
      'Credits whole lines (`{lineId}`: what is left of the line) or amounts per line (`{lineId, amountMinor}`, integer minor units of ' +
      "the invoice's currency). At most each line's amount minus earlier credit notes on it, and in all at most the invoice's total " +
      '(subtotal minus the prepaid credit it applied) minus earlier credit notes. Emits CreditNoteIssued; payments lowers what is ' +
      'outstanding and, for the part already collected, refunds it (`paidPartTo: refund`, the default) or adds it to the account credit.',
    roles: 'finance, admin',
    conflict: 'invoice_voided; carried_forward (the total was carried to the next invoice: credit that one)',
    unprocessable:
      'exceeds_invoice_total, line_amount_exceeded (field named), amount_not_collectible (KWD/BHD: multiples of 10 fils), currency_mismatch. Nothing is written.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['reason', 'lines'],
      additionalProperties: false,
      properties: {
        reason: { type: 'string', minLength: 1, maxLength: 500 },
        paidPartTo: { type: 'string', enum: ['refund', 'account_credit'], default: 'refund' },
        currency: { type: 'string', example: 'JPY', description: "Optional; when given it must be the invoice's currency." },
        lines: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['lineId'],
            additionalProperties: false,
            properties: {
              lineId: { type: 'string', description: "The invoice line's lineId." },
              amountMinor: { type: 'integer', minimum: 1, description: 'Absent: the whole line (what is left of it).' },
            },
          },
        },
      },
    },
  })
  issue(
    @Param() params: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() payload: unknown,
    @Req() principal: { principal?: { roles?: Iterable<Role> } },
    @Res({ passthrough: true }) response: { setHeader(name: string, value: string): void },
  ): Promise<StoredCreditNote> {
    return issueOverHttp(this.issueCreditNote, { params, idempotencyKey, principal, response }, ALLOWED, () => ({
      kind: 'credit',
      ...parseRequest(body, payload ?? {}),
    }));
  }
}
