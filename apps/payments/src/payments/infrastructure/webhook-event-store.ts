import { EntityManager } from 'typeorm';

/** SQL of `stripe_webhook_events`: the Stripe event ids already handled. */

/** Records a webhook event id; false when it was handled before (a duplicate delivery). */
export async function claimWebhookEvent(
  manager: EntityManager,
  event: { eventId: string; type: string; paymentIntentId: string | null },
  receivedAt: Date,
): Promise<boolean> {
  const rows = await manager.query(
    `INSERT INTO stripe_webhook_events (event_id, type, payment_intent_id, outcome, received_at)
     VALUES ($1, $2, $3, 'received', $4) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
    [event.eventId, event.type, event.paymentIntentId, receivedAt.toISOString()],
  );
  return rows.length === 1;
}

export async function setWebhookOutcome(manager: EntityManager, eventId: string, outcome: string): Promise<void> {
  await manager.query('UPDATE stripe_webhook_events SET outcome = $2 WHERE event_id = $1', [eventId, outcome]);
}
