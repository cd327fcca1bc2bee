import { Injectable, OnModuleInit } from '@nestjs/common';
import { EventOf, TOPICS } from '@billing/events';
import { PermanentError, ServiceRuntime } from '@billing/messaging';
import { RecordUsage } from './record-usage';

/**
 * UsageRecorded (billing.usage) → usage/record, with the same rules as the HTTP upload. A
 * record naming an unknown account or SKU, or reusing a usage id of its account with other
 * facts (`usage_conflict`), fails permanently: the batch consumer isolates it and dead-letters
 * it with the reason; the rest of the batch is stored. The same event, or the same record in
 * another event, delivered again counts once.
 */
@Injectable()
export class RecordUsageConsumer implements OnModuleInit {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly recordUsage: RecordUsage,
  ) {}

  onModuleInit(): void {
    this.runtime.addConsumer({
      name: 'record-usage',
      topics: [TOPICS.usage],
      accepts: ['UsageRecorded'],
      handle: async (events, { manager }) => {
        const usage = events as EventOf<'UsageRecorded'>[];
        const result = await this.recordUsage.execute(
          manager,
          usage.map((e) => ({ ...e.payload, accountId: e.accountId })),
        );
        if (result.ok) return;
        if (result.code === 'usage_conflict') {
          const event = usage[result.conflicts[0].index];
          throw new PermanentError(result.code, `usage_conflict: UsageRecorded ${event.eventId}: ${result.message}`);
        }
        const event = usage[result.index];
        throw new PermanentError(result.code, `UsageRecorded ${event.eventId}: ${result.field}: ${result.message}`);
      },
    });
  }
}
