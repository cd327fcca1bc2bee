import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';
import { Table, toCsv } from './csv';

/** The parts of the Express request and response the reports use. */
export interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
}
export interface HttpResponse {
  setHeader(name: string, value: string): unknown;
}

/** `?format=json|csv`; without it, `Accept: text/csv` asks for CSV. */
export const formatField = z.enum(['json', 'csv']).optional();

export function wantsCsv(request: HttpRequest, format: 'json' | 'csv' | undefined): boolean {
  if (format) return format === 'csv';
  const accept = request.headers.accept;
  return /\btext\/csv\b/i.test(Array.isArray(accept) ? accept.join(',') : (accept ?? ''));
}

/**
 * Sends a report as JSON (the body as is) or as CSV (its table, with a header row). A
 * paginated report's next cursor travels in the `X-Next-Cursor` header of the CSV response.
 */
export function respond<T>(
  request: HttpRequest,
  response: HttpResponse,
  format: 'json' | 'csv' | undefined,
  body: T,
  table: (body: T) => Table,
  filename: string,
): T | string {
  if (!wantsCsv(request, format)) return body;
  const next = (body as { nextCursor?: string | null }).nextCursor;
  if (next) response.setHeader('X-Next-Cursor', next);
  response.setHeader('Content-Type', 'text/csv; charset=utf-8');
  response.setHeader('Content-Disposition', `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}.csv"`);
  return toCsv(table(body));
}

/** `limit` and an opaque `cursor` for reports whose lists can be long. */
export function paginationFields(defaultLimit: number, maxLimit: number) {
  return {
    limit: z.coerce.number().int().min(1).max(maxLimit).default(Math.min(defaultLimit, maxLimit)),
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, { message: 'must be a cursor returned by a previous page' })
      .max(2000)
      .optional(),
  };
}

/** The query of a paginated report: `format`, and `limit` (page size and maximum from the config) with `cursor`. */
export function paginatedReportQuery(pageSizes: { REPORT_PAGE_SIZE: number; REPORT_PAGE_SIZE_MAX: number }) {
  return z.object({ format: formatField, ...paginationFields(pageSizes.REPORT_PAGE_SIZE, pageSizes.REPORT_PAGE_SIZE_MAX) });
}

export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** The position inside a cursor; a 400 naming `query.cursor` when this service did not write it. */
export function decodeCursor<S extends z.ZodType>(schema: S, cursor: string | undefined): z.infer<S> | undefined {
  if (cursor === undefined) return undefined;
  let parsed: ReturnType<S['safeParse']> | undefined;
  try {
    parsed = schema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))) as ReturnType<S['safeParse']>;
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) {
    throw new BadRequestException({
      statusCode: 400,
      error: 'Bad Request',
      message: 'query.cursor: must be a cursor returned by a previous page',
      fields: ['query.cursor'],
    });
  }
  return parsed.data as z.infer<S>;
}
