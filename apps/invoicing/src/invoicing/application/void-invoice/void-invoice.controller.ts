import { Body, Controller, Headers, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Role, Roles, parseRequest } from '@billing/messaging';
import { StoredCreditNote } from '../../infrastructure/credit-note.repository';
import { CreditNoteWriteDocs, issueOverHttp } from '../issue-credit-note/credit-note-http';
import { IssueCreditNote } from '../issue-credit-note/issue-credit-note';

const ALLOWED: Role[] = ['admin'];

const body = z.object({}).strict();

/** invoices/void: a credit note of kind `void` for the whole total, through the same use case as every credit note. */
@ApiTags('invoices')
@Controller('v1/invoices')
export class VoidInvoiceController {
  constructor(private readonly issueCreditNote: IssueCreditNote) {}

  @Post(':invoiceId/void')
  @HttpCode(201)
  @Roles(...ALLOWED)
  @CreditNoteWriteDocs({
    summary: 'Void an issued invoice that has collected nothing',
    description:
      'Issues a full credit note (kind void, reason void) and marks the invoice voided (its document never changes); the prepaid ' +
      'credit the invoice applied goes back to the account. Emits CreditNoteIssued: payments stops charging it, collections closes its case.',
    roles: 'admin',
    conflict:
      'already_collected (payments collected something: credit it instead), has_credit_notes, invoice_voided, nothing_to_void (total 0), ' +
      'carried_forward',
  })
  void(
    @Param() params: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() payload: unknown,
    @Req() principal: { principal?: { roles?: Iterable<Role> } },
    @Res({ passthrough: true }) response: { setHeader(name: string, value: string): void },
  ): Promise<StoredCreditNote> {
    return issueOverHttp(this.issueCreditNote, { params, idempotencyKey, principal, response }, ALLOWED, () => {
      parseRequest(body, payload ?? {});
      return { kind: 'void' };
    });
  }
}
