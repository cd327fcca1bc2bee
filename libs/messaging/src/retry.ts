/**
 * The one retry helper of the system (no maintained retry library is installed): bounded attempts,
 * exponential back-off with full jitter, abortable. Each external call has exactly one layer of it
 * (see the budget table in libs/messaging/README.md).
 */
export interface RetryOptions {
  /** Calls in all, the first included (1 = no retry). */
  attempts: number;
  /** Back-off cap of the first retry; doubles on each further retry up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Whether a failure deserves another call; every failure by default. */
  retryable?: (error: unknown) => boolean;
  /** Told before each wait (log it here). */
  onRetry?: (failure: { error: unknown; attempt: number; delayMs: number }) => void;
  /** Stops waiting and calling at once; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Injected for tests: a number in [0, 1). */
  random?: () => number;
  /** Injected for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Full jitter: a uniform delay between 0 and the capped exponential step. */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * cap);
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Calls `work(attempt)` until it resolves, a failure is not retryable, or `attempts` calls failed;
 * then rethrows the last failure unchanged (callers classify it).
 */
export async function retry<T>(work: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { attempts, baseDelayMs, maxDelayMs, retryable = () => true, onRetry, signal } = options;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? abortableSleep;
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`retry attempts must be an integer >= 1, got ${attempts}`);
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw signal.reason;
    try {
      return await work(attempt);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (attempt >= attempts || !retryable(error)) throw error;
      const delayMs = backoffDelay(attempt, baseDelayMs, maxDelayMs, random);
      onRetry?.({ error, attempt, delayMs });
      await sleep(delayMs, signal);
    }
  }
}
