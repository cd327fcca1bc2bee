import { Injectable, OnModuleInit } from '@nestjs/common';
import { TOPICS } from '@billing/events';
import { ServiceRuntime } from '@billing/messaging';
import { ApplyAccountCredit, CreditNoteSettledEvent } from './apply-account-credit';

/** CreditNoteSettled (billing.payments) → invoicing/apply-account-credit. */
@Injectable()
export class ApplyAccountCreditConsumer implements OnModuleInit {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly applyAccountCredit: ApplyAccountCredit,
  ) {}

  onModuleInit(): void {
    this.runtime.addConsumer({
      name: 'apply-account-credit',
      topics: [TOPICS.payments],
      accepts: ['CreditNoteSettled'],
      handle: (events, { manager, logger }) => this.applyAccountCredit.execute(manager, events as CreditNoteSettledEvent[], logger),
    });
  }
}
