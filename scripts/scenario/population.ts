/**
 * A realistic, reproducible set of demo accounts: several currencies, time zones and locales,
 * a share of declining cards, some credits and some accounts with no usage.
 */
import { randomUUID } from 'node:crypto';

export type CardBehaviour = 'pays' | 'declines_then_retries' | 'needs_customer_action';

export interface DemoAccount {
  accountId: string;
  name: string;
  billingEmail: string;
  currency: string;
  timeZone: string;
  locale: string;
  paymentMethodId: string;
  card: CardBehaviour;
  creditBalanceMinor: number;
  usage: 'none' | 'light' | 'heavy';
}

const PROFILES = [
  { currency: 'USD', timeZone: 'America/Los_Angeles', locale: 'en-US', weight: 30 },
  { currency: 'USD', timeZone: 'America/New_York', locale: 'en-US', weight: 15 },
  { currency: 'EUR', timeZone: 'Europe/Berlin', locale: 'de-DE', weight: 15 },
  { currency: 'EUR', timeZone: 'Europe/Paris', locale: 'fr-FR', weight: 10 },
  { currency: 'HUF', timeZone: 'Europe/Budapest', locale: 'hu-HU', weight: 10 },
  { currency: 'JPY', timeZone: 'Asia/Tokyo', locale: 'ja-JP', weight: 12 },
  { currency: 'KWD', timeZone: 'Asia/Kuwait', locale: 'en-GB', weight: 8 },
];

/** Stripe's documented test payment methods, by what the demo wants them to do. */
const CARDS: { card: CardBehaviour; paymentMethodId: string; weight: number }[] = [
  { card: 'pays', paymentMethodId: 'pm_card_visa', weight: 80 },
  { card: 'pays', paymentMethodId: 'pm_card_mastercard', weight: 6 },
  { card: 'declines_then_retries', paymentMethodId: 'pm_card_visa_chargeDeclinedInsufficientFunds', weight: 8 },
  { card: 'needs_customer_action', paymentMethodId: 'pm_card_authenticationRequired', weight: 3 },
  { card: 'needs_customer_action', paymentMethodId: 'pm_card_chargeDeclinedExpiredCard', weight: 3 },
];

/** Deterministic PRNG (mulberry32) so that a seed reproduces a population. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T extends { weight: number }>(items: T[], random: () => number): T {
  const total = items.reduce((s, i) => s + i.weight, 0);
  let r = random() * total;
  for (const item of items) {
    r -= item.weight;
    if (r < 0) return item;
  }
  return items[items.length - 1];
}

const CREDIT: Record<string, number> = { USD: 500, EUR: 500, HUF: 200000, JPY: 800, KWD: 2000 };

export function demoPopulation(count: number, seed = 42): DemoAccount[] {
  const random = prng(seed);
  return Array.from({ length: count }, (_, i) => {
    const profile = pick(PROFILES, random);
    const card = pick(CARDS, random);
    const usageDraw = random();
    const credit = random() < 0.1;
    const n = String(i + 1).padStart(6, '0');
    return {
      accountId: randomUUID(),
      name: `Demo Customer ${n}`,
      billingEmail: `customer-${n}@demo.example`,
      currency: profile.currency,
      timeZone: profile.timeZone,
      locale: profile.locale,
      paymentMethodId: card.paymentMethodId,
      card: card.card,
      creditBalanceMinor: credit ? CREDIT[profile.currency] : 0,
      usage: usageDraw < 0.1 ? 'none' : usageDraw < 0.6 ? 'light' : 'heavy',
    };
  });
}

export interface UsageRecordInput {
  usageId: string;
  accountId: string;
  sku: string;
  resourceId: string;
  quantity: string;
  occurredAt: string;
}

/**
 * A month of usage inside `period` in every zone: instants between the 2nd and the 27th at
 * noon UTC are inside the calendar month in any zone.
 */
export function usageFor(account: DemoAccount, period: string, seed: number): UsageRecordInput[] {
  if (account.usage === 'none') return [];
  const random = prng(seed);
  const day = (d: number) => `${period}-${String(d).padStart(2, '0')}T12:00:00.000Z`;
  const records: UsageRecordInput[] = [];
  const servers = account.usage === 'heavy' ? 2 : 1;
  for (let s = 1; s <= servers; s++) {
    // heavy servers run all month (their cap applies); light ones part of it
    const hours = account.usage === 'heavy' ? 720 : 40 + Math.floor(random() * 300);
    records.push({
      usageId: `${account.accountId}:${period}:vm:${s}`,
      accountId: account.accountId,
      sku: 'vm.small',
      resourceId: `srv-${s}`,
      quantity: String(hours),
      occurredAt: day(2 + s),
    });
  }
  records.push({
    usageId: `${account.accountId}:${period}:storage`,
    accountId: account.accountId,
    sku: 'storage.gb',
    resourceId: 'vol-1',
    quantity: String(10 + Math.floor(random() * 200)),
    occurredAt: day(10),
  });
  records.push({
    usageId: `${account.accountId}:${period}:api`,
    accountId: account.accountId,
    sku: 'api.request',
    resourceId: 'api',
    quantity: String(Math.floor(random() * 5_000_000)),
    occurredAt: day(20),
  });
  if (account.usage === 'heavy') {
    records.push({
      usageId: `${account.accountId}:${period}:seats`,
      accountId: account.accountId,
      sku: 'seat',
      resourceId: 'team',
      quantity: String(1 + Math.floor(random() * 5)),
      occurredAt: day(27),
    });
  }
  return records;
}
