import { BadRequestException, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { z } from 'zod';
import { describeZodError } from '@billing/events';
import { PinoNestLogger } from './logger';
import { RuntimeOptions, ServiceRuntime } from './runtime';

/** Validates request input at the HTTP edge: a 400 whose message names each bad field. */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown, where = 'body'): z.infer<S> {
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

export interface ServiceBootOptions extends RuntimeOptions {
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
    app.enableShutdownHooks();
    await options.configure?.(app, runtime);
    await app.listen(options.config.HTTP_PORT, options.config.HOST);
    runtime.logger.info({ port: options.config.HTTP_PORT }, `${options.config.SERVICE_NAME} listening`);
    return { app, runtime };
  } catch (error) {
    runtime.logger.fatal({ err: error }, 'service failed to start');
    await runtime.close().catch(() => undefined);
    throw error;
  }
}
