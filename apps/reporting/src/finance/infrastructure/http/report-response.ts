import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';
import { parseRequest } from '@billing/messaging';
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

/** The page sizes of the reports' lists, from the config. */
export interface PageSizes {
  REPORT_PAGE_SIZE: number;
  REPORT_PAGE_SIZE_MAX: number;
}

/** `?limit=`: at most REPORT_PAGE_SIZE_MAX items, REPORT_PAGE_SIZE (within it) by default. */
export function limitField({ REPORT_PAGE_SIZE, REPORT_PAGE_SIZE_MAX }: PageSizes) {
  return z.coerce.number().int().min(1).max(REPORT_PAGE_SIZE_MAX).default(Math.min(REPORT_PAGE_SIZE, REPORT_PAGE_SIZE_MAX));
}

/** `limit` and an opaque `cursor` for reports whose lists can be long. */
export function paginationFields(pageSizes: PageSizes) {
  return {
    limit: limitField(pageSizes),
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, { message: 'must be a cursor returned by a previous page' })
      .max(2000)
      .optional(),
  };
}

/** The query of a paginated report: `format`, and `limit` (page size and maximum from the config) with `cursor`. */
export function paginatedReportQuery(pageSizes: PageSizes) {
  return z.object({ format: formatField, ...paginationFields(pageSizes) });
}

/**
 * The query of a paginated report, read once per request: its format, page size, and the position
 * the cursor holds (`schema` is what the report's next cursor encodes; undefined on the first page).
 */
export function pageQuery<S extends z.ZodType>(pageSizes: PageSizes, schema: S) {
  const query = paginatedReportQuery(pageSizes);
  return (rawQuery: unknown) => {
    const { format, limit, cursor } = parseRequest(query, rawQuery, 'query');
    return { format, limit, position: decodeCursor(schema, cursor) };
  };
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
