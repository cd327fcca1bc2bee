import { INestApplication, applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { serveApiDocs } from '@billing/messaging';

/** The OpenAPI decorators every read of the invoicing API shares: the roles, and what each error status means. */
export function ReadDocs(docs: { summary: string; roles: string; ok: string; badRequest: string; notFound: string }) {
  return applyDecorators(
    ApiBearerAuth(),
    ApiOperation({ summary: docs.summary, description: `Roles: ${docs.roles}.` }),
    ApiOkResponse({ description: docs.ok }),
    ApiBadRequestResponse({ description: docs.badRequest }),
    ApiUnauthorizedResponse({ description: 'No bearer token, or an unknown one.' }),
    ApiForbiddenResponse({ description: `The token has none of the roles ${docs.roles}.` }),
    ApiNotFoundResponse({ description: docs.notFound }),
  );
}

/** OpenAPI document of the invoicing API at /docs (JSON at /docs-json). */
export function setupApiDocs(app: INestApplication): void {
  serveApiDocs(
    app,
    'Billing invoicing',
    'Accounts, price list, usage, month closes and the invoices they issue. Every endpoint needs a bearer token with ' +
      'one of the roles it names. Money is always an integer count of minor units with its ISO 4217 currency.',
  );
}
