import type { InvoiceSnapshot, Seller } from '../invoice-content';

export const SAMPLE_SELLER: Seller = {
  name: 'Example Cloud Ltd',
  addressLines: ['1 Example Street', '1000 Example City'],
  taxId: 'VAT EX123456',
  email: 'billing@example.test',
};

/**
 * An invoice of October 2026 with a usage line, a late usage line, a carried balance and a
 * credit, in the given currency and customer locale/zone (amounts in minor units). Test data only.
 */
export function sampleInvoice(q: {
  currency: InvoiceSnapshot['currency'];
  locale: string;
  timeZone: string;
  usageMinor: number;
  lateMinor: number;
  carriedMinor: number;
  creditMinor: number;
  unitPrice: string;
  lateUnitPrice: string;
  /** The period's bounds: midnight of 1 October and 1 November in the customer's zone, as UTC instants. */
  periodStart: string;
  periodEnd: string;
  collection?: InvoiceSnapshot['collection'];
}): InvoiceSnapshot {
  const subtotal = q.usageMinor + q.lateMinor + q.carriedMinor;
  const total = subtotal - q.creditMinor;
  return {
    invoiceId: '3f0c6f5e-2a1b-4c3d-9e8f-7a6b5c4d3e2f',
    invoiceNumber: 'INV-2026-10-000013',
    runId: '0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f',
    period: '2026-10',
    periodStart: q.periodStart,
    periodEnd: q.periodEnd,
    currency: q.currency,
    subtotalMinor: subtotal,
    creditAppliedMinor: q.creditMinor,
    totalMinor: total,
    issuedAt: '2026-11-01T09:30:00.000Z',
    dueAt: '2026-11-15T09:30:00.000Z',
    lines: [
      {
        lineId: 'l1',
        sku: 'compute.vcpu',
        description: 'Compute (vCPU hours)',
        resourceId: 'vm-1',
        unit: 'vCPU-hour',
        quantity: '1200',
        unitPrice: q.unitPrice,
        amountMinor: q.usageMinor,
        capped: false,
        usagePeriod: '2026-10',
        kind: 'usage',
      },
      {
        lineId: 'l2',
        sku: 'storage.gb',
        description: 'Storage',
        resourceId: 'disk-1',
        unit: 'GB-month',
        quantity: '12.5',
        unitPrice: q.lateUnitPrice,
        amountMinor: q.lateMinor,
        capped: true,
        usagePeriod: '2026-09',
        kind: 'usage',
      },
      {
        lineId: 'l3',
        sku: 'carried_balance',
        description: 'Balance carried over from INV-2026-09-000007',
        resourceId: null,
        unit: 'invoice',
        quantity: '1',
        unitPrice: '0',
        amountMinor: q.carriedMinor,
        capped: false,
        usagePeriod: '2026-09',
        kind: 'carried_balance',
        carriedFromInvoiceId: '9e8d7c6b-5a49-4382-b716-f5e4d3c2b1a0',
        carriedFromInvoiceNumber: 'INV-2026-09-000007',
      },
    ],
    customer: { name: 'Ada Lovelace', email: 'ada@example.test', timeZone: q.timeZone, locale: q.locale },
    payment: { providerCustomerId: 'cus_1', paymentMethodId: 'pm_card_visa' },
    requiresCharge: total > 0,
    collection: q.collection ?? 'charge_automatically',
    carriedForwardMinor: 0,
  };
}

/** The markets the documents are tested in (every catalog language): [name, invoice]. */
export const SAMPLE_MARKETS: [string, InvoiceSnapshot][] = [
  ['USD/en-US', sampleInvoice({ currency: 'USD', locale: 'en-US', timeZone: 'America/Los_Angeles', periodStart: '2026-10-01T07:00:00.000Z', periodEnd: '2026-11-01T07:00:00.000Z', usageMinor: 1500, lateMinor: 250, carriedMinor: 30, creditMinor: 100, unitPrice: '0.0125', lateUnitPrice: '0.2' })],
  ['JPY/ja-JP', sampleInvoice({ currency: 'JPY', locale: 'ja-JP', timeZone: 'Asia/Tokyo', periodStart: '2026-09-30T15:00:00.000Z', periodEnd: '2026-10-31T15:00:00.000Z', usageMinor: 1800, lateMinor: 250, carriedMinor: 49, creditMinor: 99, unitPrice: '1.5', lateUnitPrice: '20' })],
  ['HUF/hu-HU', sampleInvoice({ currency: 'HUF', locale: 'hu-HU', timeZone: 'Europe/Budapest', periodStart: '2026-09-30T22:00:00.000Z', periodEnd: '2026-10-31T23:00:00.000Z', usageMinor: 450000, lateMinor: 12500, carriedMinor: 17500, creditMinor: 10000, unitPrice: '3.75', lateUnitPrice: '10' })],
  ['EUR/de-DE', sampleInvoice({ currency: 'EUR', locale: 'de-DE', timeZone: 'Europe/Berlin', periodStart: '2026-09-30T22:00:00.000Z', periodEnd: '2026-10-31T23:00:00.000Z', usageMinor: 123456, lateMinor: 250, carriedMinor: 40, creditMinor: 1000, unitPrice: '1.0288', lateUnitPrice: '0.2' })],
  ['EUR/fr-FR', sampleInvoice({ currency: 'EUR', locale: 'fr-FR', timeZone: 'Europe/Paris', periodStart: '2026-09-30T22:00:00.000Z', periodEnd: '2026-10-31T23:00:00.000Z', usageMinor: 98760, lateMinor: 250, carriedMinor: 40, creditMinor: 500, unitPrice: '0.823', lateUnitPrice: '0.2' })],
  ['KWD/ar-KW', sampleInvoice({ currency: 'KWD', locale: 'ar-KW', timeZone: 'Asia/Kuwait', periodStart: '2026-09-30T21:00:00.000Z', periodEnd: '2026-10-31T21:00:00.000Z', usageMinor: 7250, lateMinor: 1250, carriedMinor: 100, creditMinor: 500, unitPrice: '0.006', lateUnitPrice: '0.1' })],
];
