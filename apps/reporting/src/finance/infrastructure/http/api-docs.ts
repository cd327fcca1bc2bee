import { INestApplication, applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { serveApiDocs } from '@billing/messaging';

/** The OpenAPI decorators every finance report shares. */
export function ReportDocs(summary: string, description: string) {
  return applyDecorators(
    ApiBearerAuth(),
    ApiOperation({ summary, description }),
    ApiProduces('application/json', 'text/csv'),
    ApiQuery({
      name: 'format',
      required: false,
      enum: ['json', 'csv'],
      description: 'csv returns the report as a table with a header row (same as `Accept: text/csv`).',
    }),
    ApiOkResponse({ description: 'The report. Amounts are integer minor units next to their ISO 4217 currency.' }),
    ApiBadRequestResponse({ description: 'A parameter is invalid; the message names it.' }),
    ApiUnauthorizedResponse({ description: 'No bearer token, or an unknown one.' }),
    ApiForbiddenResponse({ description: 'The token has no role that may read this.' }),
  );
}

export function PaginationDocs() {
  return applyDecorators(
    ApiQuery({ name: 'limit', required: false, type: Number, description: 'Page size (default 100).' }),
    ApiQuery({ name: 'cursor', required: false, type: String, description: 'The `nextCursor` of the previous page.' }),
  );
}

/** OpenAPI document at /docs (JSON at /docs-json). */
export function setupApiDocs(app: INestApplication): void {
  serveApiDocs(
    app,
    'Billing finance reports',
    'Finance reports projected from every billing event. Every endpoint needs a bearer token: ' +
      'role finance, operator or admin reads reports, role admin may rebuild the projection. ' +
      'JSON by default; CSV with `Accept: text/csv` or `?format=csv`. ' +
      'Money is always an integer count of minor units with its ISO 4217 currency.',
  );
}
