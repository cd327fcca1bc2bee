import { DateTime } from 'luxon';
import { InvoiceCollection, InvoiceGeneratedV1, PayloadOf } from '@billing/events';
import { collectibleIncrementMinor, money } from '@billing/money';
import { isAboveProviderMaximum, isBelowProviderMinimum } from '@billing/provider-units';
import { Period, isPeriod, periodBounds } from './billing-period';
import { AmountOutOfRange, InvoiceLine, sumLineAmounts } from './rating';

export type InvoiceGeneratedPayload = PayloadOf<typeof InvoiceGeneratedV1>;

export interface InvoiceAccount {
  readonly accountId: string;
  readonly name: string;
  readonly email: string;
  readonly currency: string;
  /** IANA zone: the billing period is a calendar month here. */
  readonly timeZone: string;
  /** BCP 47 tag the invoice is rendered in. */
  readonly locale: string;
  /** Prepaid credit the account holds, minor units of `currency`, never negative. */
  readonly creditBalanceMinor: number;
  readonly providerCustomerId: string | null;
  readonly paymentMethodId: string | null;
}

export interface DecideInvoiceInput {
  readonly account: InvoiceAccount;
  readonly period: Period;
  /** Rated lines in `account.currency` (from `rateUsage`). */
  readonly lines: readonly InvoiceLine[];
  readonly runId: string;
  readonly invoiceId: string;
  readonly invoiceNumber: string;
  /** The injected clock: UTC instant of issue. */
  readonly issuedAt: string;
  readonly paymentTermsDays: number;
}

export type InvoiceDecision =
  | {
      readonly ok: true;
      readonly invoice: InvoiceGeneratedPayload;
      /** Credit left on the account after this invoice: balance minus what was applied. */
      readonly creditRemainingMinor: number;
    }
  | { readonly ok: false; readonly code: 'period_not_ended'; readonly periodEnd: string; readonly issuedAt: string }
  | AmountOutOfRange;

/**
 * How the invoice will be collected, the first that holds:
 * - nothing to pay (total 0) → `nothing_due`;
 * - more than the provider can charge in one payment (Stripe: eight digits of its unit, per
 *   currency) → `manual_above_provider_maximum`: issued all the same, collected by hand;
 * - less than the provider's minimum charge → `below_provider_minimum`: not charged, the total is
 *   carried to the account's next invoice (`carriedForwardMinor`);
 * - no payment method on the account at issue → `no_payment_method`: the customer adds one (then
 *   charged) or pays by bank transfer;
 * - otherwise `charge_automatically`.
 */
export function decideCollection(totalMinor: number, currency: string, paymentMethodId: string | null): InvoiceCollection {
  if (totalMinor === 0) return 'nothing_due';
  if (isAboveProviderMaximum(totalMinor, currency)) return 'manual_above_provider_maximum';
  if (isBelowProviderMinimum(totalMinor, currency)) return 'below_provider_minimum';
  if (paymentMethodId === null) return 'no_payment_method';
  return 'charge_automatically';
}

function utcInstant(iso: string): DateTime {
  const parsed = DateTime.fromISO(iso, { zone: 'utc' });
  if (!parsed.isValid) throw new RangeError(`invalid ISO-8601 instant: ${JSON.stringify(iso)}`);
  return parsed;
}

function toUtcIso(instant: DateTime): string {
  const iso = instant.toUTC().toISO({ suppressMilliseconds: false });
  if (iso === null) throw new RangeError('invalid instant');
  return iso;
}

/**
 * Decides the immutable invoice for one account and period: the InvoiceGenerated v1 payload.
 * Credit is applied up to the subtotal (a total is never negative); the rest stays on the account.
 * An invoice cannot be issued before its period has ended in the account's zone.
 */
export function decideInvoice(input: DecideInvoiceInput): InvoiceDecision {
  const { account, period, lines, issuedAt, paymentTermsDays } = input;
  if (!Number.isSafeInteger(paymentTermsDays) || paymentTermsDays < 0) {
    throw new RangeError(`paymentTermsDays must be a non-negative integer, got ${paymentTermsDays}`);
  }
  const credit = money(account.creditBalanceMinor, account.currency);
  if (credit.amountMinor < 0) throw new RangeError(`creditBalanceMinor must not be negative, got ${credit.amountMinor}`);

  const { start, end } = periodBounds(period, account.timeZone);
  const issued = utcInstant(issuedAt);
  if (issued.toMillis() < utcInstant(end).toMillis()) {
    return { ok: false, code: 'period_not_ended', periodEnd: end, issuedAt };
  }

  const subtotal = sumLineAmounts(lines, credit.currency);
  if (!subtotal.ok) return subtotal;
  const subtotalMinor = subtotal.amountMinor;
  // Credit is spent in collectible increments so that the total stays collectible (10 fils for KWD).
  const increment = collectibleIncrementMinor(account.currency);
  const creditAppliedMinor = Math.min(credit.amountMinor - (credit.amountMinor % increment), subtotalMinor);
  const totalMinor = subtotalMinor - creditAppliedMinor;
  const collection = decideCollection(totalMinor, credit.currency, account.paymentMethodId);

  const invoice: InvoiceGeneratedPayload = {
    invoiceId: input.invoiceId,
    invoiceNumber: input.invoiceNumber,
    runId: input.runId,
    period,
    periodStart: start,
    periodEnd: end,
    currency: credit.currency,
    subtotalMinor,
    creditAppliedMinor,
    totalMinor,
    issuedAt: toUtcIso(issued),
    dueAt: toUtcIso(issued.plus({ days: paymentTermsDays })),
    lines: lines.map((line) => ({ ...line })),
    customer: { name: account.name, email: account.email, timeZone: account.timeZone, locale: account.locale },
    payment: { providerCustomerId: account.providerCustomerId, paymentMethodId: account.paymentMethodId },
    requiresCharge: totalMinor > 0,
    collection,
    carriedForwardMinor: collection === 'below_provider_minimum' ? totalMinor : 0,
  };
  return { ok: true, invoice, creditRemainingMinor: credit.amountMinor - creditAppliedMinor };
}

/** `INV-2026-11-000123`: the period and a per-period sequence, zero-padded to at least six digits. */
export function formatInvoiceNumber(period: Period, sequence: number): string {
  if (!Number.isSafeInteger(sequence) || sequence < 1) {
    throw new RangeError(`invoice sequence must be a positive integer, got ${sequence}`);
  }
  if (!isPeriod(period)) throw new RangeError(`period must be YYYY-MM, got ${JSON.stringify(period)}`);
  return `INV-${period}-${String(sequence).padStart(6, '0')}`;
}
