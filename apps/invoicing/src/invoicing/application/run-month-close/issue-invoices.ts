import { EntityManager } from 'typeorm';
import { InvoiceGeneratedV1, createEvent } from '@billing/events';
import { appendToOutbox, newId } from '@billing/messaging';
import { usageRepository } from '../../../usage';
import { AccountFailure, computeForAccount } from '../../domain/account-failure';
import { balanceToCarry } from '../../domain/carried-balance';
import { InvoiceGeneratedPayload, decideInvoice, formatInvoiceNumber } from '../../domain/issue-invoice';
import { MonthCloseRun } from '../../domain/month-close-run';
import { carriedBalanceRepository } from '../../infrastructure/carried-balance.repository';
import { invoiceRepository } from '../../infrastructure/invoice.repository';
import { RatedAccount } from './rate-accounts';
import { runMeta } from './month-close-events';

type Issued = InvoiceGeneratedPayload & { accountId: string };

/**
 * month-close/issue (one page): numbers from the period's sequence, the invoice decision and its
 * InvoiceGenerated event per account (an account whose decision fails or throws fails alone),
 * then in bulk: insert the invoices (UNIQUE(account_id, period) keeps a second one out), their
 * lines, spend the credit they applied, mark their usage billed, mark the balances they carry
 * as carried and record the below-minimum totals they carry forward, append their events to the
 * outbox. Runs in the page's transaction: a database error rolls all of it back (a retried page
 * carries each balance once).
 */
export async function issueInvoices(
  manager: EntityManager,
  ctx: { run: MonthCloseRun; now: string; paymentTermsDays: number },
  rated: readonly RatedAccount[],
): Promise<{ invoiced: number; zeroTotal: number; failures: AccountFailure[] }> {
  const { run, now } = ctx;
  const failures: AccountFailure[] = [];
  if (rated.length === 0) return { invoiced: 0, zeroTotal: 0, failures };

  const first = await invoiceRepository.allocateNumbers(manager, run.period, rated.length);
  const decided: { invoice: Issued; usageIds: string[]; event: ReturnType<typeof createEvent<typeof InvoiceGeneratedV1>> }[] = [];
  rated.forEach(({ account, lines, usageIds }, i) => {
    const result = computeForAccount(account.accountId, () => {
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
        invoiceId: newId(),
        invoiceNumber: formatInvoiceNumber(run.period, first + i),
        issuedAt: now,
        paymentTermsDays: ctx.paymentTermsDays,
      });
      if (!decision.ok) return decision;
      // Built (and validated against the contract) here, so that a snapshot the contract refuses fails its account only.
      const event = createEvent(InvoiceGeneratedV1, runMeta(run, now, account.accountId), decision.invoice);
      return { ok: true, value: { invoice: { ...decision.invoice, accountId: account.accountId }, usageIds, event } };
    });
    if (result.ok) decided.push(result.value);
    else failures.push(result.failure);
  });

  const inserted = await invoiceRepository.insertInvoices(
    manager,
    decided.map((d) => d.invoice),
  );
  const issued = decided.filter((d) => inserted.has(d.invoice.invoiceId));
  await invoiceRepository.insertLines(
    manager,
    issued.map((d) => d.invoice),
  );
  await invoiceRepository.spendCredit(
    manager,
    issued.map((d) => ({ accountId: d.invoice.accountId, amountMinor: d.invoice.creditAppliedMinor })),
    now,
  );
  await usageRepository.markBilled(
    manager,
    issued.flatMap((d) => d.usageIds.map((usageId) => ({ accountId: d.invoice.accountId, usageId, invoiceId: d.invoice.invoiceId }))),
  );
  const carriedNow = issued.flatMap((d) =>
    d.invoice.lines.flatMap((line) =>
      line.kind === 'carried_balance' && line.carriedFromInvoiceId ? [{ fromInvoiceId: line.carriedFromInvoiceId, toInvoiceId: d.invoice.invoiceId }] : [],
    ),
  );
  const marked = await carriedBalanceRepository.markCarried(manager, carriedNow);
  if (marked !== carriedNow.length) {
    // Only possible if a balance was carried outside this page's locks: roll back rather than bill it twice.
    throw new Error(`carried ${marked} of ${carriedNow.length} balances: another invoice already carried one`);
  }
  await carriedBalanceRepository.insert(
    manager,
    issued.flatMap((d) => {
      const balance = balanceToCarry(d.invoice);
      return balance ? [{ ...balance, accountId: d.invoice.accountId }] : [];
    }),
    now,
  );
  await appendToOutbox(
    manager,
    issued.map((d) => d.event),
  );
  return { invoiced: issued.length, zeroTotal: issued.filter((d) => d.invoice.totalMinor === 0).length, failures };
}
