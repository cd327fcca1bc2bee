import { BadRequestException, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { z } from 'zod';
import { NUL_MESSAGE, describeZodError, pathOfNul } from '@billing/events';
import { PinoNestLogger } from './logger';
import { RuntimeOptions, ServiceRuntime } from './runtime';

/** Validates request input at the HTTP edge: a 400 whose message names each bad field. */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown, where = 'body'): z.infer<S> {
  const nul = pathOfNul(input, [where]);
  if (nul) {
    const field = nul.join('.');
    throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: `${field}: ${NUL_MESSAGE}`, fields: [field] });
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new BadRequestException({
      statusCode: 400,
      error: 'Bad Request',
      message: describeZodError(parsed.error, where),
      fields: parsed.error.issues.map((i) => [where, ...i.path.map(String)].join('.')),
    });
  }
  return parsed.data;
}

/** Serves the app's OpenAPI document at /docs (JSON at /docs-json), with bearer auth declared. */
export function serveApiDocs(app: INestApplication, title: string, description: string): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle(title).setDescription(description).setVersion('1').addBearerAuth().build(),
  );
  SwaggerModule.setup('docs', app, document);
}

/**
 * SIGTERM/SIGINT: close the app (HTTP stops, consumers finish the batch in flight and commit,
 * the relay finishes its batch), then exit 0. A shutdown that hangs is cut off with exit 1.
 */
function handleShutdownSignals(app: INestApplication, runtime: ServiceRuntime, timeoutMs: number): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    runtime.logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      runtime.logger.error({ timeoutMs }, 'graceful shutdown timed out');
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    app
      .close()
      .then(() => process.exit(0))
      .catch((error) => {
        runtime.logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

export interface ServiceBootOptions extends RuntimeOptions {
  /** Handle SIGTERM/SIGINT (default true; in-process tests pass false and call app.close()). */
  handleSignals?: boolean;
  shutdownTimeoutMs?: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  module: (runtime: ServiceRuntime) => any;
  configure?: (app: INestApplication, runtime: ServiceRuntime) => void | Promise<void>;
}

/**
 * Boots one service process: opens its database (migrated), Kafka and outbox relay, then the
 * Nest HTTP app (health, metrics, API), then the consumers. SIGTERM shuts down gracefully.
 */
export async function bootService(options: ServiceBootOptions): Promise<{ app: INestApplication; runtime: ServiceRuntime }> {
  const runtime = new ServiceRuntime(options);
  try {
    await runtime.open();
    const app = await NestFactory.create(options.module(runtime), {
      logger: new PinoNestLogger(runtime.logger),
      rawBody: true,
    });
    if (options.handleSignals !== false) handleShutdownSignals(app, runtime, options.shutdownTimeoutMs ?? 25_000);
    // Bulk endpoints (usage uploads) take batches of records: allow bodies up to 5 MB.
    (app as INestApplication & { useBodyParser(type: string, options: object): void }).useBodyParser('json', { limit: '5mb' });
    await options.configure?.(app, runtime);
    await app.listen(options.config.HTTP_PORT, options.config.HOST);
    // Keep idle connections longer than clients and load balancers do, so a client never sends
    // on a socket the server is closing ("other side closed").
    const server = app.getHttpServer() as { keepAliveTimeout: number; headersTimeout: number };
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    runtime.logger.info({ port: options.config.HTTP_PORT }, `${options.config.SERVICE_NAME} listening`);
    return { app, runtime };
  } catch (error) {
    runtime.logger.fatal({ err: error }, 'service failed to start');
    await Promise.race([runtime.close().catch(() => undefined), new Promise((r) => setTimeout(r, 5_000).unref())]);
    throw error;
  }
}
