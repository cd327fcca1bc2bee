import { Logger, TransientError } from '@billing/messaging';
import { RateLimited } from './payment-provider';
import { ProviderPace, ProviderSlot } from './provider-pace';

/**
 * 429s in a row after which one call stops waiting its turn and hands the batch back to Kafka as
 * an outage (at the floor of 1 call/s that is half a minute of refusals; never a decline, never
 * a dead letter — an outage does not spend the redelivery budget).
 */
export const MAX_RATE_LIMITED_PER_CALL = 30;

/**
 * One provider call (a charge, a refund) at the shared pace: the pace grants its slot, the
 * provider sends it then (a thread of its own keeps the moments). A 429 is not an answer about the call: Stripe executed
 * nothing, so it slows the shared rate and the SAME request (same idempotency key) goes out again
 * when the pace allows. The SDK's network retries stay the one retry layer of the request itself;
 * waiting for a token is pacing, not a retry. Without a pace (budget 0: unlimited) a 429 is an
 * outage, as it was before pacing: the batch is redelivered later.
 */
export async function callProviderPaced<Outcome extends { readonly kind: string }>(
  pace: ProviderPace | null,
  request: { readonly idempotencyKey: string },
  call: (slot: ProviderSlot | null) => Promise<Outcome | RateLimited>,
  { logger, heartbeat, turn }: { logger: Logger; heartbeat: () => Promise<void>; turn?: number },
): Promise<Outcome> {
  for (let refused = 0; ; refused++) {
    const slot = pace === null ? null : await pace.take(heartbeat, turn);
    const answer = await call(slot);
    if (!isRateLimited(answer)) return answer;
    if (pace === null || refused + 1 >= MAX_RATE_LIMITED_PER_CALL) {
      logger.warn({ idempotencyKey: request.idempotencyKey, refused: refused + 1 }, 'provider keeps rate-limiting; the batch will be redelivered');
      throw new TransientError(`Stripe call ${request.idempotencyKey} rate-limited (${answer.message})`, { retried: true, outage: true });
    }
    logger.info({ idempotencyKey: request.idempotencyKey, refused: refused + 1 }, 'provider rate-limited the call: slowing the shared pace, same key again');
    await pace.slowDown();
  }
}

function isRateLimited(answer: { readonly kind: string }): answer is RateLimited {
  return answer.kind === 'rate_limited';
}
