import { InvoiceGeneratedV1 } from '@billing/events';
import { CarriedBalance, balanceToCarry, carriedBalanceLine, carriedLinesFor } from './carried-balance';
import { decideInvoice } from './issue-invoice';

const balance = (overrides: Partial<CarriedBalance> = {}): CarriedBalance => ({
  fromInvoiceId: '0b9a8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d',
  fromInvoiceNumber: 'INV-2026-10-000007',
  fromPeriod: '2026-10',
  currency: 'USD',
  amountMinor: 30,
  ...overrides,
});

function issue(currency: string, lines: ReturnType<typeof carriedBalanceLine>[], period = '2026-11') {
  const decision = decideInvoice({
    account: {
      accountId: 'acc-1',
      name: 'Ada',
      email: 'ada@example.com',
      currency,
      timeZone: 'UTC',
      locale: 'en-US',
      creditBalanceMinor: 0,
      providerCustomerId: 'cus_1',
      paymentMethodId: 'pm_1',
    },
    period,
    lines,
    runId: '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b',
    invoiceId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
    invoiceNumber: `INV-${period}-000001`,
    issuedAt: '2027-01-02T00:00:00.000Z',
    paymentTermsDays: 14,
  });
  if (!decision.ok) throw new Error(JSON.stringify(decision));
  return decision.invoice;
}

describe('carrying a below-minimum total to the next invoice', () => {
  it.each([
    ['USD', 30, '0.30'],
    ['JPY', 40, '40'],
    ['KWD', 300, '0.300'],
  ])('turns a %s balance of %p minor units into one carried_balance line at %s', (currency, amountMinor, unitPrice) => {
    const line = carriedBalanceLine(balance({ currency, amountMinor }));
    expect(line).toEqual({
      kind: 'carried_balance',
      lineId: 'carried:0b9a8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d',
      sku: 'carried-balance',
      description: 'Balance carried over from INV-2026-10-000007',
      resourceId: null,
      unit: 'invoice',
      quantity: '1',
      unitPrice,
      amountMinor,
      capped: false,
      usagePeriod: '2026-10',
      carriedFromInvoiceId: '0b9a8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d',
      carriedFromInvoiceNumber: 'INV-2026-10-000007',
    });
  });

  it.each([
    ['USD', 30, 'below_provider_minimum'],
    ['JPY', 40, 'below_provider_minimum'],
    ['KWD', 300, 'below_provider_minimum'],
  ])('an invoice of only a carried %s line still totals it, and carries it again while below the minimum', (currency, amountMinor, collection) => {
    const invoice = issue(currency, [carriedBalanceLine(balance({ currency, amountMinor }))]);
    expect(InvoiceGeneratedV1.schema.safeParse(invoice).success).toBe(true);
    expect(invoice).toMatchObject({ subtotalMinor: amountMinor, totalMinor: amountMinor, collection, carriedForwardMinor: amountMinor });
    expect(balanceToCarry(invoice)).toEqual({
      fromInvoiceId: invoice.invoiceId,
      fromInvoiceNumber: invoice.invoiceNumber,
      fromPeriod: '2026-11',
      currency,
      amountMinor,
    });
  });

  it('charges a total the carried balance lifts to the minimum, and carries nothing from it', () => {
    const invoice = issue('USD', [carriedBalanceLine(balance({ amountMinor: 30 })), carriedBalanceLine(balance({ fromInvoiceId: '2c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f', fromInvoiceNumber: 'INV-2026-09-000001', fromPeriod: '2026-09', amountMinor: 20 }))]);
    expect(invoice).toMatchObject({ totalMinor: 50, collection: 'charge_automatically', carriedForwardMinor: 0 });
    expect(balanceToCarry(invoice)).toBeNull();
  });

  it('carries only balances in the invoice currency from earlier periods, oldest first', () => {
    const lines = carriedLinesFor('2026-11', 'USD', [
      balance({ fromInvoiceNumber: 'INV-2026-10-000007', fromPeriod: '2026-10' }),
      balance({ fromInvoiceId: '3c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f', fromInvoiceNumber: 'INV-2026-09-000002', fromPeriod: '2026-09' }),
      balance({ fromInvoiceId: '4c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f', fromInvoiceNumber: 'INV-2026-08-000001', fromPeriod: '2026-08', currency: 'EUR' }),
      balance({ fromInvoiceId: '5c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f', fromInvoiceNumber: 'INV-2026-11-000001', fromPeriod: '2026-11' }),
    ]);
    expect(lines.map((l) => l.carriedFromInvoiceNumber)).toEqual(['INV-2026-09-000002', 'INV-2026-10-000007']);
  });
});
