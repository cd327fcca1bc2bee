import { INestApplication } from '@nestjs/common';
import { serveApiDocs } from '@billing/messaging';

/** OpenAPI document of the payments API at /docs (JSON at /docs-json). */
export function setupApiDocs(app: INestApplication): void {
  serveApiDocs(
    app,
    'Billing payments',
    'Charges of invoices and payments received outside the provider. Every endpoint but the Stripe webhook needs a ' +
      'bearer token with one of the roles it names. Money is always an integer count of minor units with its ISO 4217 currency.',
  );
}
