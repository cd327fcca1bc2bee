/**
 * Stripe-like request rate limiting: a token bucket holding at most `burst` tokens, refilled at
 * `perSecond` tokens a second, one token per request. A full bucket lets `burst` requests
 * through at once; after that requests pass at `perSecond`. Pure: the caller passes the clock.
 */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** A small burst, as Stripe allows: a tenth of a second's worth, at least one request. */
export function defaultBurst(perSecond: number): number {
  return Math.max(1, Math.round(perSecond / 10));
}

export class TokenBucket {
  private tokens: number;
  private lastRefillMs: number;

  constructor(
    readonly limit: RateLimit,
    nowMs: number,
  ) {
    this.tokens = limit.burst;
    this.lastRefillMs = nowMs;
  }

  /** Takes a token if one is there: true lets the request through, false answers it 429. */
  tryTake(nowMs: number): boolean {
    // A clock that steps back refills nothing rather than draining the bucket.
    const elapsedMs = Math.max(0, nowMs - this.lastRefillMs);
    this.tokens = Math.min(this.limit.burst, this.tokens + (elapsedMs * this.limit.perSecond) / 1000);
    this.lastRefillMs = Math.max(this.lastRefillMs, nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
