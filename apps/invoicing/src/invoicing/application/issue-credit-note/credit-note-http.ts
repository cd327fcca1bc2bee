import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOperation,
  ApiParam,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { z } from 'zod';
import { fields } from '@billing/events';
import { RefusalStatus, Role, parseRequest, toHttpError } from '@billing/messaging';
import { idempotencyKeyHeader } from '../../../shared/idempotency';
import { CreditNoteRequest } from '../../domain/credit-note';
import { StoredCreditNote } from '../../infrastructure/credit-note.repository';
import { IssueCreditNote, IssueCreditNoteResult } from './issue-credit-note';

type Refusal = Extract<IssueCreditNoteResult, { ok: false }>;

/**
 * A refused credit note or void in HTTP: 404 unknown invoice, 400 unknown line, 409 the invoice's state
 * (or the key), 422 the amounts asked for.
 */
const REFUSAL_STATUS: Partial<Record<Refusal['code'], RefusalStatus>> = {
  not_found: 404,
  unknown_line: 400,
  invoice_voided: 409,
  carried_forward: 409,
  already_collected: 409,
  has_credit_notes: 409,
  nothing_to_void: 409,
  idempotency_key_reused: 409,
};

export function creditNoteHttpError(failure: Refusal): Error {
  return toHttpError(failure, REFUSAL_STATUS, 422);
}

/** Who issued the note: the caller's roles that allow it, e.g. `finance` or `admin`. */
function issuerOf(request: { principal?: { roles?: Iterable<Role> } }, allowed: readonly Role[]): string {
  return [...(request.principal?.roles ?? [])].filter((r) => allowed.includes(r)).join('+') || allowed[0];
}

const params = z.object({ invoiceId: fields.uuid });

export interface CreditNoteHttpRequest {
  params: unknown;
  idempotencyKey: string | undefined;
  principal: { principal?: { roles?: Iterable<Role> } };
  response: { setHeader(name: string, value: string): void };
}

/**
 * The HTTP edge of both credit note writes: validates the invoice id, the Idempotency-Key and then
 * the body (`parseBody`), runs the use case, maps a refusal to its status and marks a replay with
 * `Idempotent-Replayed: true`.
 */
export async function issueOverHttp(
  useCase: IssueCreditNote,
  http: CreditNoteHttpRequest,
  allowed: readonly Role[],
  parseBody: () => CreditNoteRequest,
): Promise<StoredCreditNote> {
  const { invoiceId } = parseRequest(params, http.params, 'params');
  const idempotencyKey = parseRequest(idempotencyKeyHeader, http.idempotencyKey, 'header.Idempotency-Key');
  const request = parseBody();
  const result = await useCase.execute({ invoiceId, idempotencyKey, issuedBy: issuerOf(http.principal, allowed), request });
  if (!result.ok) throw creditNoteHttpError(result);
  if (result.replayed) http.response.setHeader('Idempotent-Replayed', 'true');
  return result.creditNote;
}

export const CREDIT_NOTE_DESCRIPTION =
  'The credit note (immutable; the CreditNoteIssued payload): creditNoteId, creditNoteNumber (CN-YYYY-MM-NNNNNN), invoiceId, ' +
  'invoiceNumber, accountId, kind (credit|void), reason, currency, lines (lineId, description, amountMinor), totalMinor, ' +
  'invoiceTotalMinor, creditedBeforeMinor, paidPartTo (refund|account_credit), issuedAt, issuedBy, customer.';

/** The OpenAPI decorators both credit note writes share. */
export function CreditNoteWriteDocs(docs: { summary: string; description: string; roles: string; conflict: string; unprocessable?: string }) {
  return applyDecorators(
    ApiBearerAuth(),
    ApiOperation({
      summary: docs.summary,
      description:
        `${docs.description} Roles: ${docs.roles}. The same Idempotency-Key with the same request answers the first credit note ` +
        'again (header Idempotent-Replayed: true) and writes nothing; with another request it is refused with 409.',
    }),
    ApiParam({ name: 'invoiceId', format: 'uuid' }),
    ApiHeader({ name: 'Idempotency-Key', required: true, description: 'A unique key per credit note (at most 255 characters).' }),
    ApiCreatedResponse({ description: CREDIT_NOTE_DESCRIPTION }),
    ApiBadRequestResponse({ description: 'No Idempotency-Key, a malformed field, or a line the invoice does not have; the message and `fields` name it.' }),
    ApiUnauthorizedResponse({ description: 'No bearer token, or an unknown one.' }),
    ApiForbiddenResponse({ description: `The token has none of the roles ${docs.roles}.` }),
    ApiNotFoundResponse({ description: 'code not_found: no invoice has this id.' }),
    ApiConflictResponse({ description: `${docs.conflict}; idempotency_key_reused: the key was used for another request.` }),
    ...(docs.unprocessable ? [ApiUnprocessableEntityResponse({ description: docs.unprocessable })] : []),
  );
}
