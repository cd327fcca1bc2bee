import { Logger, TransientError } from '@billing/messaging';
import { RateLimited, SlotMissed } from './payment-provider';
import { ProviderPace, ProviderSlot } from './provider-pace';

/**
 * 429s in a row after which one call stops waiting its turn and hands the batch back to Kafka as
 * an outage (at the floor of 1 call/s that is half a minute of refusals; never a decline, never
 * a dead letter — an outage does not spend the redelivery budget).
 */
export const MAX_RATE_LIMITED_PER_CALL = 30;

/**
 * Slots in a row one call may miss (its sending thread stalled past them) before it hands the
 * batch back as an outage: a sender that cannot keep a single moment for this long is broken,
 * not busy.
 */
export const MAX_SLOTS_MISSED_PER_CALL = 50;

/**
 * One provider call (a charge, a refund) at the shared pace: the pace grants its slot, the
 * provider sends it then (a thread of its own keeps the moments), or answers `slot_missed`
 * unsent when the moment passed first — then the same request takes a new slot. A 429 is not an answer about the call: Stripe executed
 * nothing, so it slows the shared rate and the SAME request (same idempotency key) goes out again
 * when the pace allows. The SDK's network retries stay the one retry layer of the request itself;
 * waiting for a token is pacing, not a retry. Without a pace (budget 0: unlimited) a 429 is an
 * outage, as it was before pacing: the batch is redelivered later.
 */
export async function callProviderPaced<Outcome extends { readonly kind: string }>(
  pace: ProviderPace | null,
  request: { readonly idempotencyKey: string },
  call: (slot: ProviderSlot | null) => Promise<Outcome | RateLimited | SlotMissed>,
  { logger, heartbeat, turn }: { logger: Logger; heartbeat: () => Promise<void>; turn?: number },
): Promise<Outcome> {
  let missed = 0;
  let refused = 0;
  for (;;) {
    const slot = pace === null ? null : await pace.take(heartbeat, turn);
    const answer = await call(slot);
    if (isSlotMissed(answer)) {
      // not sent: the same request takes a new slot (no 429 was met: the pace stays as it is)
      if (++missed >= MAX_SLOTS_MISSED_PER_CALL) {
        logger.warn({ idempotencyKey: request.idempotencyKey, missed }, 'provider calls keep missing their slots; the batch will be redelivered');
        throw new TransientError(`Stripe call ${request.idempotencyKey} missed ${missed} slots in a row`, { retried: true, outage: true });
      }
      continue;
    }
    if (!isRateLimited(answer)) return answer;
    refused++;
    if (pace === null || refused >= MAX_RATE_LIMITED_PER_CALL) {
      logger.warn({ idempotencyKey: request.idempotencyKey, refused }, 'provider keeps rate-limiting; the batch will be redelivered');
      throw new TransientError(`Stripe call ${request.idempotencyKey} rate-limited (${answer.message})`, { retried: true, outage: true });
    }
    logger.info({ idempotencyKey: request.idempotencyKey, refused }, 'provider rate-limited the call: slowing the shared pace, same key again');
    await pace.slowDown();
  }
}

function isSlotMissed(answer: { readonly kind: string }): answer is SlotMissed {
  return answer.kind === 'slot_missed';
}

function isRateLimited(answer: { readonly kind: string }): answer is RateLimited {
  return answer.kind === 'rate_limited';
}
