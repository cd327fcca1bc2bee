import { InvoiceGeneratedV1 } from '@billing/events';
import { InvoiceAccount, DecideInvoiceInput, decideInvoice, formatInvoiceNumber } from './issue-invoice';
import { InvoiceLine, Product, rateUsage } from './rating';

const ids = {
  runId: '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b',
  invoiceId: '0b9a8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d',
};

const account = (overrides: Partial<InvoiceAccount> = {}): InvoiceAccount => ({
  accountId: 'acc-42',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  currency: 'USD',
  timeZone: 'America/Los_Angeles',
  locale: 'en-US',
  creditBalanceMinor: 0,
  providerCustomerId: 'cus_123',
  paymentMethodId: 'pm_card_visa',
  ...overrides,
});

const line = (amountMinor: number, resourceId = 'srv-1'): InvoiceLine => ({
  lineId: `vm.small:${resourceId}:2026-11`,
  sku: 'vm.small',
  description: 'Small server',
  resourceId,
  unit: 'hour',
  quantity: '720',
  unitPrice: '0.00744',
  amountMinor,
  capped: amountMinor === 500,
  usagePeriod: '2026-11',
});

const input = (overrides: Partial<DecideInvoiceInput> = {}): DecideInvoiceInput => ({
  account: account(),
  period: '2026-11',
  lines: [line(500), line(74, 'srv-2')],
  runId: ids.runId,
  invoiceId: ids.invoiceId,
  invoiceNumber: 'INV-2026-11-000123',
  issuedAt: '2026-12-01T09:00:00.000Z',
  paymentTermsDays: 30,
  ...overrides,
});

function decided(overrides: Partial<DecideInvoiceInput> = {}) {
  const decision = decideInvoice(input(overrides));
  if (!decision.ok) throw new Error(`expected an invoice, got ${JSON.stringify(decision)}`);
  return decision;
}

describe('issuing the month-close invoice', () => {
  it('produces a full InvoiceGenerated v1 payload that passes the contract', () => {
    // given an account in Los Angeles with two rated November lines and no credit
    // when the invoice is decided at 2026-12-01T09:00Z with 30-day terms
    const { invoice, creditRemainingMinor } = decided();
    // then the payload is the complete snapshot the other services need
    expect(InvoiceGeneratedV1.schema.safeParse(invoice).success).toBe(true);
    expect(invoice).toEqual({
      invoiceId: ids.invoiceId,
      invoiceNumber: 'INV-2026-11-000123',
      runId: ids.runId,
      period: '2026-11',
      periodStart: '2026-11-01T07:00:00.000Z',
      periodEnd: '2026-12-01T08:00:00.000Z',
      currency: 'USD',
      subtotalMinor: 574,
      creditAppliedMinor: 0,
      totalMinor: 574,
      issuedAt: '2026-12-01T09:00:00.000Z',
      dueAt: '2026-12-31T09:00:00.000Z',
      lines: [line(500), line(74, 'srv-2')],
      customer: { name: 'Ada Lovelace', email: 'ada@example.com', timeZone: 'America/Los_Angeles', locale: 'en-US' },
      payment: { providerCustomerId: 'cus_123', paymentMethodId: 'pm_card_visa' },
      requiresCharge: true,
      collection: 'charge_automatically',
      carriedForwardMinor: 0,
    });
    expect(creditRemainingMinor).toBe(0);
  });

  it('takes the period bounds from the account zone, not the server zone', () => {
    const { invoice } = decided({ account: account({ timeZone: 'Asia/Tokyo' }) });
    expect([invoice.periodStart, invoice.periodEnd]).toEqual(['2026-10-31T15:00:00.000Z', '2026-11-30T15:00:00.000Z']);
  });

  it('applies part of a credit smaller than the subtotal and charges the rest', () => {
    const { invoice, creditRemainingMinor } = decided({ account: account({ creditBalanceMinor: 200 }) });
    expect([invoice.subtotalMinor, invoice.creditAppliedMinor, invoice.totalMinor]).toEqual([574, 200, 374]);
    expect(invoice.requiresCharge).toBe(true);
    expect(creditRemainingMinor).toBe(0);
  });

  it('keeps the rest of a credit larger than the total on the account and charges nothing', () => {
    // given an account with 10.00 USD of credit and a 5.74 USD subtotal
    // when the invoice is decided
    const { invoice, creditRemainingMinor } = decided({ account: account({ creditBalanceMinor: 1000 }) });
    // then the credit covers the subtotal, the total is zero and 4.26 USD of credit remain
    expect([invoice.subtotalMinor, invoice.creditAppliedMinor, invoice.totalMinor]).toEqual([574, 574, 0]);
    expect(invoice.requiresCharge).toBe(false);
    expect(creditRemainingMinor).toBe(426);
    expect(InvoiceGeneratedV1.schema.safeParse(invoice).success).toBe(true);
  });

  it('issues a zero invoice without lines for an account without usage, keeping its credit', () => {
    const { invoice, creditRemainingMinor } = decided({ lines: [], account: account({ creditBalanceMinor: 300 }) });
    expect(invoice).toEqual(
      expect.objectContaining({ lines: [], subtotalMinor: 0, creditAppliedMinor: 0, totalMinor: 0, requiresCharge: false }),
    );
    expect(creditRemainingMinor).toBe(300);
    expect(InvoiceGeneratedV1.schema.safeParse(invoice).success).toBe(true);
  });

  it('refuses to issue an invoice before the period has ended in the account zone', () => {
    // given a Los Angeles account, whose November ends at 2026-12-01T08:00Z
    // when an invoice is decided at 07:59Z
    const decision = decideInvoice(input({ issuedAt: '2026-12-01T07:59:00.000Z' }));
    // then nothing is issued, with a coded reason
    expect(decision).toEqual({
      ok: false,
      code: 'period_not_ended',
      periodEnd: '2026-12-01T08:00:00.000Z',
      issuedAt: '2026-12-01T07:59:00.000Z',
    });
  });

  it('issues a December invoice carrying late November usage labelled as November', () => {
    // given a Budapest account with December usage and November usage that arrived after November's invoice
    const storage: Product = {
      sku: 'storage.ssd',
      description: 'SSD storage',
      unit: 'GB-month',
      prices: { EUR: { unitPrice: '0.1' } },
    };
    const rated = rateUsage({
      currency: 'EUR',
      products: [storage],
      period: '2026-12',
      usage: [{ usageId: 'd-1', sku: 'storage.ssd', resourceId: 'vol-1', quantity: '50', occurredAt: '2026-12-15T00:00:00.000Z' }],
      lateUsage: [
        {
          usageId: 'n-1',
          sku: 'storage.ssd',
          resourceId: 'vol-1',
          quantity: '20',
          occurredAt: '2026-11-30T22:30:00.000Z',
          usagePeriod: '2026-11',
        },
      ],
    });
    if (!rated.ok) throw new Error(JSON.stringify(rated));
    // when the December invoice is decided
    const { invoice } = decided({
      account: account({ currency: 'EUR', timeZone: 'Europe/Budapest', locale: 'hu-HU' }),
      period: '2026-12',
      lines: rated.lines,
      invoiceNumber: formatInvoiceNumber('2026-12', 7),
      issuedAt: '2027-01-01T00:00:00.000Z',
      paymentTermsDays: 14,
    });
    // then it validates, and its first line is November's late usage
    expect(InvoiceGeneratedV1.schema.safeParse(invoice).success).toBe(true);
    expect(invoice.invoiceNumber).toBe('INV-2026-12-000007');
    expect(invoice.lines.map((l) => [l.usagePeriod, l.description, l.amountMinor])).toEqual([
      ['2026-11', 'SSD storage — November 2026 usage (late)', 200],
      ['2026-12', 'SSD storage', 500],
    ]);
    expect(invoice.subtotalMinor).toBe(700);
    expect(invoice.dueAt).toBe('2027-01-15T00:00:00.000Z');
  });

  it('issues JPY and KWD invoices in their own minor units', () => {
    const jpy = decided({
      account: account({ currency: 'JPY', timeZone: 'Asia/Tokyo', locale: 'ja-JP', creditBalanceMinor: 1 }),
      lines: [{ ...line(101), unitPrice: '33.5', quantity: '3' }],
    });
    expect([jpy.invoice.subtotalMinor, jpy.invoice.totalMinor, jpy.invoice.currency]).toEqual([101, 100, 'JPY']);
    const kwd = decided({
      account: account({ currency: 'KWD', timeZone: 'Asia/Kuwait', locale: 'ar-KW', creditBalanceMinor: 55 }),
      lines: [line(180)],
    });
    expect(InvoiceGeneratedV1.schema.safeParse(kwd.invoice).success).toBe(true);
    // credit is spent in tens of fils, so the total stays collectible; 5 fils stay on the account
    expect([kwd.invoice.creditAppliedMinor, kwd.invoice.totalMinor, kwd.creditRemainingMinor]).toEqual([50, 130, 5]);
  });
});

describe('deciding how an invoice is collected', () => {
  it.each([
    // Stripe's eight-digit maximum: JPY 99,999,999 yen; KWD 99,999.990 (tens of fils)
    ['JPY', 99_999_999, 'charge_automatically'],
    ['JPY', 100_000_000, 'manual_above_provider_maximum'],
    ['KWD', 99_999_990, 'charge_automatically'],
    ['KWD', 100_000_000, 'manual_above_provider_maximum'],
    ['JPY', 0, 'nothing_due'],
    ['KWD', 0, 'nothing_due'],
    ['USD', 0, 'nothing_due'],
    // the provider's minimum charge: USD 0.50, JPY 50 (documented), KWD 0.310 (our estimate)
    ['USD', 30, 'below_provider_minimum'],
    ['USD', 49, 'below_provider_minimum'],
    ['USD', 50, 'charge_automatically'],
    ['JPY', 40, 'below_provider_minimum'],
    ['JPY', 50, 'charge_automatically'],
    ['KWD', 300, 'below_provider_minimum'],
    ['KWD', 310, 'charge_automatically'],
  ])('a %s total of %p minor units is collected: %s', (currency, totalMinor, collection) => {
    const lines = totalMinor === 0 ? [] : [line(totalMinor)];
    const { invoice } = decided({ account: account({ currency, timeZone: 'Asia/Tokyo' }), lines });
    expect(invoice).toMatchObject({
      totalMinor,
      collection,
      requiresCharge: totalMinor > 0,
      carriedForwardMinor: collection === 'below_provider_minimum' ? totalMinor : 0,
    });
    expect(InvoiceGeneratedV1.schema.safeParse(invoice).success).toBe(true);
  });

  it.each([
    ['USD', 500],
    ['JPY', 5000],
    ['KWD', 3000],
  ])('a %s invoice of an account without a payment method is not charged automatically: no_payment_method', (currency, totalMinor) => {
    const { invoice } = decided({ account: account({ currency, paymentMethodId: null }), lines: [line(totalMinor)] });
    expect(invoice).toMatchObject({ totalMinor, collection: 'no_payment_method', carriedForwardMinor: 0 });
    expect(InvoiceGeneratedV1.schema.safeParse(invoice).success).toBe(true);
  });

  it.each([
    ['below the minimum comes before no payment method', 'USD', 30, 'below_provider_minimum'],
    ['above the maximum comes before no payment method', 'JPY', 100_000_000, 'manual_above_provider_maximum'],
    ['nothing due comes before no payment method', 'KWD', 0, 'nothing_due'],
  ])('decides in the documented order: %s', (_what, currency, totalMinor, collection) => {
    const lines = totalMinor === 0 ? [] : [line(totalMinor)];
    const { invoice } = decided({ account: account({ currency, paymentMethodId: null }), lines });
    expect(invoice.collection).toBe(collection);
  });

  it('decides on the total after credit: credit can bring an invoice below the provider minimum, and that total is carried', () => {
    const { invoice } = decided({ account: account({ currency: 'USD', creditBalanceMinor: 180 }), lines: [line(200)] });
    expect(invoice).toMatchObject({ subtotalMinor: 200, creditAppliedMinor: 180, totalMinor: 20, collection: 'below_provider_minimum', carriedForwardMinor: 20 });
  });

  it('decides on the total after credit: credit can bring an invoice back within the provider maximum', () => {
    const { invoice } = decided({ account: account({ currency: 'JPY', creditBalanceMinor: 10 }), lines: [line(100_000_005)] });
    expect(invoice).toMatchObject({ totalMinor: 99_999_995, collection: 'charge_automatically' });
  });

  it.each([
    ['JPY', '9007199254740992'],
    ['KWD', '9007199254740.992'],
  ])('reports a %s subtotal beyond a safe integer of minor units instead of throwing', (currency, amount) => {
    const lines = [line(Number.MAX_SAFE_INTEGER), line(1, 'srv-2')];
    const decision = decideInvoice(input({ account: account({ currency }), lines }));
    expect(decision).toEqual({ ok: false, code: 'amount_out_of_range', lineId: null, amount, currency });
  });
});

describe('invoice numbers', () => {
  it('formats the period and a six-digit sequence', () => {
    expect(formatInvoiceNumber('2026-11', 123)).toBe('INV-2026-11-000123');
    expect(formatInvoiceNumber('2026-11', 1234567)).toBe('INV-2026-11-1234567');
  });

  it('refuses a sequence that is not a positive integer', () => {
    expect(() => formatInvoiceNumber('2026-11', 0)).toThrow(RangeError);
    expect(() => formatInvoiceNumber('2026-11', 1.5)).toThrow(RangeError);
  });
});
