import { z } from 'zod';
import { defineEvent } from '../contract';
import { usageInstant, usageQuantity } from '../fields';
import { TOPICS } from '../topics';

/** A usage record uploaded over Kafka; `usageId` is the client's id, so a retried upload counts once. Key: accountId. */
export const UsageRecordedV1 = defineEvent(
  'UsageRecorded',
  1,
  TOPICS.usage,
  z.object({
    usageId: z.string().min(1).max(200),
    sku: z.string().min(1),
    resourceId: z.string().min(1),
    /** 0 to 10^12, at most 9 decimals (LIMITS in fields.ts); tightened from any decimal string. */
    quantity: usageQuantity,
    occurredAt: usageInstant,
  }),
);
