import { INestApplication } from '@nestjs/common';
import { serveApiDocs } from '@billing/messaging';

/** OpenAPI document of the collections API at /docs (JSON at /docs-json). */
export function setupApiDocs(app: INestApplication): void {
  serveApiDocs(
    app,
    'Billing collections',
    'Dunning and account holds, and getting a paying customer out of them. Every endpoint needs a bearer token ' +
      '(holds: finance/operator/admin read, admin releases; pay-now: operator). Money is an integer count of ' +
      'minor units with its ISO 4217 currency.',
  );
}
