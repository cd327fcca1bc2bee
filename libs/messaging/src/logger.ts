import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';

export type { Logger } from 'pino';

/** Never log secrets or card data: these paths are censored wherever they appear. */
const REDACT = [
  'authorization',
  'token',
  'password',
  'secret',
  'apiKey',
  'card',
  'paymentMethod',
  '*.authorization',
  '*.token',
  '*.password',
  '*.secret',
  '*.apiKey',
  '*.card',
  'headers.authorization',
  'req.headers.authorization',
];

/** Structured JSON logs on stdout. Child loggers carry eventId / correlationId. */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  });
}

/** Routes Nest's own logging through pino so that every line is JSON. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}
