import { retry } from '@billing/messaging';

/** Small HTTP client for the services' public APIs (bearer token, JSON, clear errors). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what} answered ${status}: ${body.slice(0, 500)}`);
  }
}

export interface ApiOptions {
  token?: string;
  method?: string;
  body?: unknown;
  accept?: string;
  /** Extra request headers, e.g. an Idempotency-Key. */
  headers?: Record<string, string>;
}

/**
 * Calls a service API. A connection that fails before any answer (a service restarting, a
 * socket closed under load) is tried again: every request the scenarios make is idempotent
 * (accounts carry their id, usage records theirs, a month close joins the period's run).
 */
export async function api<T>(
  baseUrl: string,
  path: string,
  options: ApiOptions = {},
): Promise<T> {
  return retry(() => apiOnce<T>(baseUrl, path, options), {
    attempts: 5,
    baseDelayMs: 200,
    maxDelayMs: 800,
    jitter: false,
    retryable: (error) => error instanceof TypeError && /fetch failed/.test(error.message),
  });
}

async function apiOnce<T>(
  baseUrl: string,
  path: string,
  { token, method = 'GET', body, accept, headers }: ApiOptions = {},
): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(accept ? { accept } : {}),
      ...(headers ?? {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  if (!response.ok) throw new ApiError(response.status, text, `${method} ${path}`);
  return (accept && !accept.includes('json') ? text : text ? JSON.parse(text) : undefined) as T;
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index], index);
    }
  });
  await Promise.all(runners);
}

/** The value after `--name` on the command line (`npm run demo -- --accounts 500`). */
export function cliArg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
