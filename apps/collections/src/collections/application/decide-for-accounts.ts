import { isDeepStrictEqual } from 'node:util';
import { EntityManager } from 'typeorm';
import { Envelope } from '@billing/events';
import { Logger, Provenance, appendToOutbox } from '@billing/messaging';
import { DunningCase } from '../domain/dunning-case';
import { Decision } from '../domain/dunning-decider';
import { AccountMethod, InvoiceState } from '../domain/invoice-collection';
import { AccountCollections } from '../domain/payment-recovery-decider';
import { lockAccounts } from '../infrastructure/account-hold.repository';
import { StoredCase, lockCasesForAccounts, upsertCases } from '../infrastructure/dunning-case.repository';
import {
  loadAccountMethods,
  lockInvoicesForAccounts,
  saveAccountMethods,
  upsertInvoices,
} from '../infrastructure/invoice-collection.repository';
import { toEnvelope } from './envelopes';
import { HoldWrites } from './hold-writes';

/** One input to decide about one account, with where it came from (what the events it causes carry). */
export interface AccountInput<I> {
  readonly input: I;
  readonly accountId: string;
  /** The invoice the input names, if any: loaded whatever it owes. */
  readonly invoiceId: string | null;
  readonly provenance: Provenance;
  /** Recorded on the cases it changes (an event id, or the request's id). */
  readonly lastEventId: string;
}

/**
 * Load, decide, save, append — once for a batch: the inputs' accounts are locked (stable order),
 * their cases, invoices and methods loaded in one query each, the inputs decided in order (each on
 * its account's state as the previous ones left it), and the changed cases, invoices, methods and
 * holds written in bulk with the emitted events appended to the outbox, in the caller's transaction.
 * Returns each input's decision, in order.
 */
export async function decideForAccounts<I, D extends Decision<AccountCollections>>(
  manager: EntityManager,
  inputs: readonly AccountInput<I>[],
  decide: (input: I, state: AccountCollections) => D,
  { now, logger }: { now: string; logger: Logger },
): Promise<D[]> {
  if (inputs.length === 0) return [];
  const accountIds = [...new Set(inputs.map((i) => i.accountId))];
  const holds = await lockAccounts(manager, accountIds);
  const heldInvoiceIds = [...holds.values()].flatMap((h) => h.state.activeHold?.invoiceIds ?? []);
  const named = inputs.flatMap((i) => (i.invoiceId === null ? [] : [i.invoiceId]));
  const invoiceIds = [...new Set([...named, ...heldInvoiceIds])];
  // Cases before invoices: a scheduler pass holding a case commits its invoice row before we read it.
  const storedCases = await lockCasesForAccounts(manager, accountIds, invoiceIds);
  const cases = new Map(storedCases.map((s) => [s.case.invoiceId, s.case]));
  /** A case stays filed under the run it was opened in, whatever input changes it later. */
  const runOfCase = new Map(storedCases.map((s) => [s.case.invoiceId, s.correlationId]));
  const invoices = new Map((await lockInvoicesForAccounts(manager, accountIds, invoiceIds)).map((i) => [i.invoiceId, i]));
  const methods = await loadAccountMethods(manager, accountIds);
  const holdStates = new Map([...holds].map(([accountId, stored]) => [accountId, stored.state]));

  const changedCases = new Map<string, StoredCase>();
  const changedInvoices = new Map<string, InvoiceState>();
  const changedMethods = new Map<string, AccountMethod>();
  const holdWrites = new HoldWrites(holds);
  const emitted: Envelope[] = [];
  const decisions: D[] = [];

  for (const item of inputs) {
    const { accountId, invoiceId, provenance } = item;
    const before: AccountCollections = {
      hold: holdStates.get(accountId)!,
      cases: ofAccount(cases, accountId, invoiceId),
      method: methods.get(accountId) ?? null,
      invoices: ofAccount(invoices, accountId, invoiceId),
    };
    const decision = decide(item.input, before);
    decisions.push(decision);

    for (const after of decision.state.cases) {
      if (isDeepStrictEqual(cases.get(after.invoiceId), after)) continue;
      cases.set(after.invoiceId, after);
      if (!runOfCase.has(after.invoiceId)) runOfCase.set(after.invoiceId, provenance.correlationId);
      changedCases.set(after.invoiceId, { case: after, correlationId: runOfCase.get(after.invoiceId)!, lastEventId: item.lastEventId });
    }
    for (const after of decision.state.invoices) {
      if (isDeepStrictEqual(invoices.get(after.invoiceId), after)) continue;
      invoices.set(after.invoiceId, after);
      changedInvoices.set(after.invoiceId, after);
    }
    const method = decision.state.method;
    if (method !== null && !isDeepStrictEqual(methods.get(accountId), method)) {
      methods.set(accountId, method);
      changedMethods.set(accountId, method);
    }
    holdStates.set(accountId, decision.state.hold);
    for (const decided of decision.events) {
      holdWrites.record(decided, decision.state.hold, provenance.correlationId);
      const event = toEnvelope(decided, now, provenance);
      emitted.push(event);
      logger.info({ eventId: event.eventId, correlationId: provenance.correlationId, accountId, causationId: provenance.causationId }, `${decided.type} emitted`);
    }
  }

  await upsertCases(manager, [...changedCases.values()]);
  await upsertInvoices(manager, [...changedInvoices.values()]);
  await saveAccountMethods(manager, [...changedMethods.values()]);
  await holdWrites.save(manager);
  await appendToOutbox(manager, emitted);
  return decisions;
}

/** The account's rows, and the input's own invoice whatever account it names (a decider then refuses a mismatch). */
function ofAccount<T extends DunningCase | InvoiceState>(rows: ReadonlyMap<string, T>, accountId: string, invoiceId: string | null): T[] {
  return [...rows.values()].filter((r) => r.accountId === accountId || r.invoiceId === invoiceId);
}
