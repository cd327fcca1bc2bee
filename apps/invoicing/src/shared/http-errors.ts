import { ConflictException, NotFoundException } from '@nestjs/common';

/** Expected outcomes of use cases are coded values; this maps them to HTTP at the edge. */
export type Failure = { readonly ok: false; readonly code: string; readonly message: string };

export function toHttpError(failure: Failure): Error {
  switch (failure.code) {
    case 'not_found':
      return new NotFoundException({ statusCode: 404, error: 'Not Found', code: failure.code, message: failure.message });
    default:
      return new ConflictException({ statusCode: 409, error: 'Conflict', code: failure.code, message: failure.message });
  }
}
