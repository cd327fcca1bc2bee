import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  InvoiceGeneratedV1,
  MonthCloseCompletedV1,
  MonthCloseProgressedV1,
  createEvent,
  monthCloseKey,
} from '@billing/events';
import { CLOCK, Clock, LOGGER, Logger, appendToOutbox } from '@billing/messaging';
import { toAccount } from '../../../accounts/infrastructure/account.repository';
import { productRepository } from '../../../price-list/infrastructure/product.repository';
import { usageRepository } from '../../../usage/infrastructure/usage.repository';
import { INVOICING_CONFIG, InvoicingConfig } from '../../../config';
import { PeriodBounds, periodBounds, periodOf } from '../../domain/billing-period';
import { InvoiceGeneratedPayload, decideInvoice, formatInvoiceNumber } from '../../domain/issue-invoice';
import { eligibleZones, summarizeRemaining } from '../../domain/month-close-plan';
import { LateUsageRecord, UsageRecord, rateUsage } from '../../domain/rating';
import { invoiceRepository } from '../../infrastructure/invoice.repository';
import { MonthCloseRun, monthCloseRepository } from '../../infrastructure/month-close.repository';

export type PageOutcome =
  /** Another instance holds the run, or it is not due. */
  | { kind: 'skipped' }
  /** A page was invoiced, or a new pass started: call again. */
  | { kind: 'worked'; invoiced: number }
  /** The pass ended: the run waits for a zone, or it completed. */
  | { kind: 'idle'; status: 'waiting' | 'completed' };

const PRODUCER = 'invoicing';

/**
 * month-close/invoice-next-page: one transaction of a month-close run. Locks the run row (FOR
 * UPDATE SKIP LOCKED: several instances share the work without doubling it), takes the next page
 * of eligible, not yet invoiced accounts after the run's cursor, rates their usage, issues their
 * invoices with numbers from the period's sequence, spends credit, marks the usage billed, appends
 * InvoiceGenerated to the outbox and advances the cursor — all or nothing, so a process killed
 * between pages resumes at the cursor with no account invoiced twice and none skipped.
 * At the end of a pass it either waits for the next zone's month end or completes the run,
 * emitting MonthCloseCompleted exactly once (the status change and the event commit together).
 */
@Injectable()
export class InvoiceNextPage {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(INVOICING_CONFIG) private readonly config: InvoicingConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(runId: string): Promise<PageOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const now = this.clock.now().toISOString();
      const run = await monthCloseRepository.lockDueRun(manager, runId, now);
      if (!run) return { kind: 'skipped' };
      const grace = this.config.MONTH_CLOSE_GRACE_MINUTES;
      const zones = eligibleZones(run.period, await monthCloseRepository.activeZones(manager), grace, now);
      const page = await invoiceRepository.lockPage(manager, {
        runId,
        period: run.period,
        zones,
        after: run.cursor,
        limit: this.config.MONTH_CLOSE_PAGE_SIZE,
      });
      if (page.length === 0) return this.endPass(manager, run, now);

      const accounts = page.map(toAccount);
      const result = await this.invoicePage(manager, run, accounts, now);
      run.cursor = accounts[accounts.length - 1].accountId;
      run.status = 'running';
      run.invoiced += result.invoiced;
      run.zeroTotal += result.zeroTotal;
      run.failed += result.failed;
      run.pagesSinceProgress += 1;
      if (run.pagesSinceProgress >= this.config.MONTH_CLOSE_PROGRESS_EVERY_PAGES) {
        await this.progress(manager, run, now);
      }
      await monthCloseRepository.saveRun(manager, run);
      this.logger.info(
        { correlationId: runId, period: run.period, invoiced: result.invoiced, failed: result.failed, cursor: run.cursor },
        'month-close page invoiced',
      );
      return { kind: 'worked', invoiced: result.invoiced };
    });
  }

  private async invoicePage(
    manager: EntityManager,
    run: MonthCloseRun,
    accounts: ReturnType<typeof toAccount>[],
    now: string,
  ): Promise<{ invoiced: number; zeroTotal: number; failed: number }> {
    const boundsByZone = new Map<string, PeriodBounds>();
    const boundsOf = (zone: string) => {
      let b = boundsByZone.get(zone);
      if (!b) boundsByZone.set(zone, (b = periodBounds(run.period, zone)));
      return b;
    };
    const usageRows = await usageRepository.unbilledBefore(
      manager,
      accounts.map((a) => ({ accountId: a.accountId, periodEnd: boundsOf(a.timeZone).end })),
    );
    const zoneOf = new Map(accounts.map((a) => [a.accountId, a.timeZone]));
    const usage = new Map<string, UsageRecord[]>();
    const late = new Map<string, LateUsageRecord[]>();
    for (const row of usageRows) {
      const zone = zoneOf.get(row.account_id)!;
      const occurredAt = row.occurred_at.toISOString();
      const record: UsageRecord = {
        usageId: row.usage_id,
        sku: row.sku,
        resourceId: row.resource_id,
        quantity: row.quantity,
        occurredAt,
      };
      if (Date.parse(occurredAt) >= Date.parse(boundsOf(zone).start)) {
        const list = usage.get(row.account_id);
        if (list) list.push(record);
        else usage.set(row.account_id, [record]);
      } else {
        const lateRecord: LateUsageRecord = { ...record, usagePeriod: periodOf(occurredAt, zone) };
        const list = late.get(row.account_id);
        if (list) list.push(lateRecord);
        else late.set(row.account_id, [lateRecord]);
      }
    }
    const latePeriods = [...new Set([...late.values()].flat().map((r) => r.usagePeriod))];
    const alreadyInvoiced = await invoiceRepository.invoicedQuantities(manager, [...late.keys()], latePeriods);
    const products = await productRepository.all(manager);

    const rated: { account: (typeof accounts)[number]; lines: InvoiceGeneratedPayload['lines']; usageIds: string[] }[] = [];
    const failures: { accountId: string; code: string; detail: string }[] = [];
    for (const account of accounts) {
      const accountUsage = usage.get(account.accountId) ?? [];
      const accountLate = late.get(account.accountId) ?? [];
      const rating = rateUsage({
        currency: account.currency,
        products,
        usage: accountUsage,
        period: run.period,
        lateUsage: accountLate,
        alreadyInvoiced: alreadyInvoiced.get(account.accountId) ?? [],
      });
      if (!rating.ok) {
        failures.push({ accountId: account.accountId, code: rating.code, detail: JSON.stringify(rating) });
        continue;
      }
      rated.push({ account, lines: rating.lines, usageIds: [...accountUsage, ...accountLate].map((u) => u.usageId) });
    }

    const invoices: (InvoiceGeneratedPayload & { accountId: string })[] = [];
    const credits: { accountId: string; amountMinor: number }[] = [];
    const billed: { usageId: string; invoiceId: string }[] = [];
    if (rated.length > 0) {
      const first = await invoiceRepository.allocateNumbers(manager, run.period, rated.length);
      rated.forEach(({ account, lines, usageIds }, i) => {
        const decision = decideInvoice({
          account: {
            accountId: account.accountId,
            name: account.name,
            email: account.billingEmail,
            currency: account.currency,
            timeZone: account.timeZone,
            locale: account.locale,
            creditBalanceMinor: account.creditBalanceMinor,
            providerCustomerId: account.providerCustomerId,
            paymentMethodId: account.paymentMethodId,
          },
          period: run.period,
          lines,
          runId: run.runId,
          invoiceId: randomUUID(),
          invoiceNumber: formatInvoiceNumber(run.period, first + i),
          issuedAt: now,
          paymentTermsDays: this.config.PAYMENT_TERMS_DAYS,
        });
        if (!decision.ok) {
          failures.push({ accountId: account.accountId, code: decision.code, detail: JSON.stringify(decision) });
          return;
        }
        invoices.push({ ...decision.invoice, accountId: account.accountId });
        credits.push({ accountId: account.accountId, amountMinor: decision.invoice.creditAppliedMinor });
        for (const usageId of usageIds) billed.push({ usageId, invoiceId: decision.invoice.invoiceId });
      });
    }

    const inserted = await invoiceRepository.insertInvoices(manager, invoices);
    const issued = invoices.filter((i) => inserted.has(i.invoiceId));
    const issuedAccounts = new Set(issued.map((i) => i.accountId));
    await invoiceRepository.insertLines(manager, issued);
    await invoiceRepository.spendCredit(
      manager,
      credits.filter((c) => issuedAccounts.has(c.accountId)),
      now,
    );
    const issuedIds = new Set(issued.map((i) => i.invoiceId));
    await usageRepository.markBilled(
      manager,
      billed.filter((b) => issuedIds.has(b.invoiceId)),
    );
    await appendToOutbox(
      manager,
      issued.map(({ accountId, ...payload }) =>
        createEvent(
          InvoiceGeneratedV1,
          {
            eventId: randomUUID(),
            occurredAt: now,
            producer: PRODUCER,
            accountId,
            correlationId: run.runId,
            causationId: run.requestEventId,
          },
          payload,
        ),
      ),
    );
    const failed = await monthCloseRepository.recordFailures(manager, run.runId, failures, now);
    for (const f of failures) {
      this.logger.error({ correlationId: run.runId, accountId: f.accountId, code: f.code }, 'account could not be invoiced');
    }
    return { invoiced: issued.length, zeroTotal: issued.filter((i) => i.totalMinor === 0).length, failed };
  }

  /** End of a pass over the eligible accounts: start another pass, wait for the next zone, or complete. */
  private async endPass(manager: EntityManager, run: MonthCloseRun, now: string): Promise<PageOutcome> {
    const summary = summarizeRemaining(
      run.period,
      await monthCloseRepository.remainingByZone(manager, run.runId, run.period),
      this.config.MONTH_CLOSE_GRACE_MINUTES,
      now,
    );
    if (summary.eligibleRemaining > 0) {
      // Accounts created behind the cursor during the pass: one more pass from the start.
      run.cursor = null;
      run.status = 'running';
      await monthCloseRepository.saveRun(manager, run);
      return { kind: 'worked', invoiced: 0 };
    }
    run.cursor = null;
    run.remaining = summary.remaining;
    run.waiting = summary.waiting;
    run.waitingUntil = summary.waitingUntil;
    run.pagesSinceProgress = 0;
    const progressed = this.progressEvent(run, now);
    if (summary.remaining > 0) {
      run.status = 'waiting';
      await appendToOutbox(manager, [progressed]);
      await monthCloseRepository.saveRun(manager, run);
      this.logger.info(
        { correlationId: run.runId, period: run.period, waiting: run.waiting, waitingUntil: run.waitingUntil },
        'month close waits for the month to end in more zones',
      );
      return { kind: 'idle', status: 'waiting' };
    }
    run.status = 'completed';
    run.completedAt = now;
    await appendToOutbox(manager, [
      progressed,
      createEvent(
        MonthCloseCompletedV1,
        this.runMeta(run, now),
        {
          runId: run.runId,
          period: run.period,
          accountsInScope: run.invoiced,
          invoiced: run.invoiced,
          zeroTotal: run.zeroTotal,
          startedAt: run.startedAt,
          completedAt: now,
        },
      ),
    ]);
    await monthCloseRepository.saveRun(manager, run);
    this.logger.info({ correlationId: run.runId, period: run.period, invoiced: run.invoiced }, 'month close completed');
    return { kind: 'idle', status: 'completed' };
  }

  private async progress(manager: EntityManager, run: MonthCloseRun, now: string): Promise<void> {
    const summary = summarizeRemaining(
      run.period,
      await monthCloseRepository.remainingByZone(manager, run.runId, run.period),
      this.config.MONTH_CLOSE_GRACE_MINUTES,
      now,
    );
    run.remaining = summary.remaining;
    run.waiting = summary.waiting;
    run.waitingUntil = summary.waitingUntil;
    run.pagesSinceProgress = 0;
    await appendToOutbox(manager, [this.progressEvent(run, now)]);
  }

  private runMeta(run: MonthCloseRun, now: string) {
    return {
      eventId: randomUUID(),
      occurredAt: now,
      producer: PRODUCER,
      accountId: monthCloseKey(run.period),
      correlationId: run.runId,
      causationId: run.requestEventId,
    };
  }

  private progressEvent(run: MonthCloseRun, now: string) {
    return createEvent(MonthCloseProgressedV1, this.runMeta(run, now), {
      runId: run.runId,
      period: run.period,
      accountsInScope: run.invoiced + run.remaining,
      invoiced: run.invoiced,
      zeroTotal: run.zeroTotal,
      remaining: run.remaining,
      waiting: run.waiting,
      waitingUntil: run.waitingUntil,
      at: now,
    });
  }
}
