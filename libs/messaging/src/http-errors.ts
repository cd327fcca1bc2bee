import { BadRequestException, ConflictException, HttpException, NotFoundException, UnprocessableEntityException } from '@nestjs/common';

/** An expected outcome a use case refused with: a stable code and a message for people. */
export interface CodedRefusal<C extends string = string> {
  readonly code: C;
  readonly message: string;
  /** The request field the refusal is about, when there is one: named in the message and in `fields`. */
  readonly field?: string;
}

export type RefusalStatus = 400 | 404 | 409 | 422;

const EXCEPTIONS: Record<RefusalStatus, { type: new (body: object) => HttpException; error: string }> = {
  400: { type: BadRequestException, error: 'Bad Request' },
  404: { type: NotFoundException, error: 'Not Found' },
  409: { type: ConflictException, error: 'Conflict' },
  422: { type: UnprocessableEntityException, error: 'Unprocessable Entity' },
};

/**
 * Maps a use case's coded refusal to HTTP, at the edge only: the status `statuses` gives its code,
 * else `otherwise` (by default not_found is 404 and any other refusal 409, the state of a resource).
 * Every service answers the same body: `{ statusCode, error, code, message, fields? }`.
 */
export function toHttpError<C extends string>(
  refusal: CodedRefusal<C>,
  statuses: Partial<Record<C, RefusalStatus>> = { not_found: 404 } as Partial<Record<C, RefusalStatus>>,
  otherwise: RefusalStatus = 409,
): HttpException {
  const status = statuses[refusal.code] ?? otherwise;
  const { type, error } = EXCEPTIONS[status];
  const { code, message, field } = refusal;
  return new type({
    statusCode: status,
    error,
    code,
    message: field ? `${field}: ${message}` : message,
    ...(field ? { fields: [field] } : {}),
  });
}
