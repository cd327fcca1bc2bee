import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** OpenAPI document of the collections API at /docs (JSON at /docs-json). */
export function setupApiDocs(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Billing collections')
      .setDescription(
        'Dunning and account holds, and getting a paying customer out of them. Every endpoint needs a bearer token ' +
          '(holds: finance/operator/admin read, admin releases; pay-now: operator). Money is an integer count of ' +
          'minor units with its ISO 4217 currency.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
}
