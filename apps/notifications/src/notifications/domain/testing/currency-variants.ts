import type { EventOf } from '@billing/events';
import type { CurrencyCode } from '@billing/money';
import { sampleInvoiceGenerated } from '../sample-events';

/** The seed invoice re-issued for another currency and customer locale/zone (test data only). */
export function invoiceIn(
  currency: CurrencyCode,
  totalMinor: number,
  customer: { locale: string; timeZone: string },
): EventOf<'InvoiceGenerated'> {
  const seed = sampleInvoiceGenerated;
  return {
    ...seed,
    payload: {
      ...seed.payload,
      currency,
      subtotalMinor: totalMinor,
      creditAppliedMinor: 0,
      totalMinor,
      requiresCharge: totalMinor > 0,
      lines: seed.payload.lines.map((line) => ({ ...line, amountMinor: totalMinor })),
      customer: { ...seed.payload.customer, ...customer },
    },
  };
}

export function currencyVariants(): EventOf<'InvoiceGenerated'>[] {
  return [
    invoiceIn('EUR', 123456, { locale: 'de-DE', timeZone: 'Europe/Berlin' }),
    invoiceIn('HUF', 17500, { locale: 'hu-HU', timeZone: 'Europe/Budapest' }),
    invoiceIn('JPY', 1500, { locale: 'ja-JP', timeZone: 'Asia/Tokyo' }),
    invoiceIn('KWD', 1234, { locale: 'en-US', timeZone: 'Asia/Kuwait' }),
    // A locale Intl has no data for must fall back to our fixed locale, not the process's.
    invoiceIn('USD', 1000, { locale: 'zz-ZZ', timeZone: 'America/Los_Angeles' }),
  ];
}
