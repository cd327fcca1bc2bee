import http from 'node:http';
import https from 'node:https';
import Stripe from 'stripe';
import type { EventRecord } from './state';

export interface WebhookEndpoint {
  url: string;
  secret: string;
}

export interface DeliveryOptions {
  /** Delays between attempts; the number of attempts is this length + 1. */
  retryDelaysMs: readonly number[];
  timeoutMs: number;
  /** Unix seconds, for the signature timestamp. */
  now(): number;
  onAttempt(event: EventRecord, status: number | null, error: string | null): void;
}

/**
 * Delivers signed events to one endpoint, retrying failures (non-2xx or network errors)
 * with the configured delays. Every attempt is signed afresh with the current time, as
 * Stripe does. `drain()` waits for deliveries in progress; `stop()` abandons the retries.
 */
export class WebhookDeliverer {
  private readonly pending = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly options: DeliveryOptions) {}

  deliver(endpoint: WebhookEndpoint, event: EventRecord): void {
    const run = this.attempt(endpoint, event, 0).finally(() => this.pending.delete(run));
    this.pending.add(run);
  }

  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async attempt(endpoint: WebhookEndpoint, event: EventRecord, index: number): Promise<void> {
    if (this.stopped) return;
    // `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<payload>")>`, computed by the SDK's own
    // helper, so `stripe.webhooks.constructEvent` accepts it by construction.
    const signature = Stripe.webhooks.generateTestHeaderString({
      payload: event.payload,
      secret: endpoint.secret,
      timestamp: this.options.now(),
    });
    const outcome = await post(endpoint.url, event.payload, signature, this.options.timeoutMs);
    this.options.onAttempt(event, outcome.status, outcome.error);
    const delivered = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
    if (delivered || index >= this.options.retryDelaysMs.length || this.stopped) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, this.options.retryDelaysMs[index]);
      this.timers.add(timer);
    });
    await this.attempt(endpoint, event, index + 1);
  }
}

function post(
  url: string,
  payload: string,
  signature: string,
  timeoutMs: number,
): Promise<{ status: number | null; error: string | null }> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : http;
    const request = client.request(
      target,
      {
        method: 'POST',
        agent: false,
        timeout: timeoutMs,
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Length': Buffer.byteLength(payload),
          'Stripe-Signature': signature,
          'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks) stripe-sandbox',
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? null, error: null }));
        response.on('error', (error) => resolve({ status: null, error: error.message }));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    request.on('error', (error) => resolve({ status: null, error: error.message }));
    request.end(payload);
  });
}
