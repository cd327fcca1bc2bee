/**
 * Handler errors are classified at the edge: transient ones (infrastructure hiccups) are
 * retried with back-off, permanent ones are dead-lettered with their reason, never retried forever.
 */
export interface TransientErrorOptions {
  cause?: unknown;
  /**
   * The failure is not this message's: a dependency is away (its connection refused, it rate-limits
   * or fails every request) or this consumer is fenced off. It never counts toward the consumer's
   * redelivery budget, so the partition blocks and retries for as long as the outage lasts and
   * nothing is dead-lettered because of it.
   */
  outage?: boolean;
  /**
   * The thrower's own bounded retry layer is already spent (the Stripe SDK's network retries, the
   * SMTP send retry): the consumer does not retry it in-process again, it hands the batch back to
   * Kafka, where the redelivery budget bounds it. Keeps one retry layer per external call.
   */
  retried?: boolean;
}

export class TransientError extends Error {
  readonly outage: boolean;
  readonly retried: boolean;
  constructor(message: string, options: TransientErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'TransientError';
    this.outage = options.outage ?? false;
    this.retried = options.retried ?? false;
  }
}

export class PermanentError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

/** Thrown for configuration that fails validation at start-up; names every bad field. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Contention: transient, but it may be this message's (a hot row), so it counts toward the budget. */
const CONTENTION_PG_CODES = new Set(['40001', '40P01', '55P03']);
/** The server is going away or full: an outage. (Class 08 — connection exceptions — too.) */
const OUTAGE_PG_CODES = new Set(['57P01', '57P02', '57P03', '53300', '53400']);
const TRANSIENT_NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'EAI_AGAIN']);

const CONNECTION_MESSAGE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not established/i;

export function isTransient(error: unknown): boolean {
  if (error instanceof TransientError) return true;
  if (error instanceof PermanentError) return false;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && CONTENTION_PG_CODES.has(code)) return true;
  return isOutage(error);
}

/**
 * A failure that says nothing about the message being handled: the database or broker cannot be
 * reached (connection-level pg and network codes, kafkajs retriable errors), or a `TransientError`
 * thrown with `outage: true`. Such failures block and retry; they never spend a redelivery budget.
 */
export function isOutage(error: unknown): boolean {
  if (error instanceof TransientError) return error.outage;
  if (error instanceof PermanentError || !(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (OUTAGE_PG_CODES.has(code) || code.startsWith('08') || TRANSIENT_NET_CODES.has(code))) {
    return true;
  }
  if ((error as { retriable?: unknown }).retriable === true) return true; // kafkajs
  return CONNECTION_MESSAGE.test(error.message);
}

/** Whether the thrower already spent its own retry layer (see `TransientErrorOptions.retried`). */
export function wasRetried(error: unknown): boolean {
  return error instanceof TransientError && error.retried;
}
