/**
 * The one retry helper of the system: bounded attempts, exponential back-off with full jitter,
 * abortable. Each external call has exactly one layer of it (see the budget table in
 * libs/messaging/README.md). Kept rather than p-retry: p-retry 4 randomizes by a factor of 1–2
 * (not full jitter), cannot be given a random source or a sleep for tests, and would change the
 * SMTP layer's configured delays.
 */
export interface RetryOptions {
  /**
   * Calls in all, the first included (1 = no retry). `Infinity` only for start-up loops that a
   * `retryable` deadline or a stop flag ends (a process that gave up would look alive and do nothing).
   */
  attempts: number;
  /** Back-off cap of the first retry; doubles on each further retry up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * Full jitter (default): a uniform wait below the step. `false`: the step itself, for the start-up
   * loops of one process against its own broker, where no herd of callers needs spreading.
   */
  jitter?: boolean;
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

/** The capped exponential step after failed call number `attempt`: base·2^(attempt-1), at most `maxDelayMs`. */
export function backoffStep(attempt: number, baseDelayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
}

/** Full jitter: a uniform delay between 0 and the capped exponential step. */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  return Math.floor(random() * backoffStep(attempt, baseDelayMs, maxDelayMs));
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
  const { attempts, baseDelayMs, maxDelayMs, jitter = true, retryable = () => true, onRetry, signal } = options;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? abortableSleep;
  if (!(Number.isInteger(attempts) || attempts === Infinity) || attempts < 1) {
    throw new RangeError(`retry attempts must be an integer >= 1 or Infinity, got ${attempts}`);
  }
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw signal.reason;
    try {
      return await work(attempt);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (attempt >= attempts || !retryable(error)) throw error;
      const delayMs = jitter ? backoffDelay(attempt, baseDelayMs, maxDelayMs, random) : backoffStep(attempt, baseDelayMs, maxDelayMs);
      onRetry?.({ error, attempt, delayMs });
      await sleep(delayMs, signal);
    }
  }
}
