import { DateTime } from 'luxon';
import { periodBounds, periodOf } from './billing-period';
import { InvoiceLine, Product, UsageRecord, rateUsage } from './rating';

const server: Product = {
  sku: 'vm.small',
  description: 'Small server',
  unit: 'hour',
  prices: {
    USD: { unitPrice: '0.00744', monthlyCapPerResource: '5.00' },
    EUR: { unitPrice: '0.0069', monthlyCapPerResource: null },
  },
};
const storage: Product = {
  sku: 'storage.ssd',
  description: 'SSD storage',
  unit: 'GB-month',
  prices: { USD: { unitPrice: '0.125' }, JPY: { unitPrice: '33.5' }, KWD: { unitPrice: '0.0001' } },
};
const requests: Product = {
  sku: 'api.requests',
  description: 'API requests',
  unit: 'request',
  prices: { USD: { unitPrice: '0.004' }, KWD: { unitPrice: '0.0123' } },
};
const products = [server, storage, requests];

let nextId = 0;
const usage = (sku: string, resourceId: string, quantity: string, occurredAt = '2026-11-15T12:00:00.000Z'): UsageRecord => ({
  usageId: `u-${++nextId}`,
  sku,
  resourceId,
  quantity,
  occurredAt,
});

/** One record of one hour for every hour of `period` in `timeZone`. */
function hourlyUsage(period: string, timeZone: string, resourceId: string): UsageRecord[] {
  const { start, end } = periodBounds(period, timeZone);
  const records: UsageRecord[] = [];
  const last = DateTime.fromISO(end, { zone: 'utc' });
  for (let at = DateTime.fromISO(start, { zone: 'utc' }); at < last; at = at.plus({ hours: 1 })) {
    records.push(usage('vm.small', resourceId, '1', at.toISO()!));
  }
  return records;
}

function linesOf(result: ReturnType<typeof rateUsage>): InvoiceLine[] {
  if (!result.ok) throw new Error(`expected lines, got ${JSON.stringify(result)}`);
  return result.lines;
}

describe('rating usage into invoice lines', () => {
  it('sums usage exactly into one line per sku and resource, in a deterministic order', () => {
    // given usage for two resources and two products, recorded out of order
    const records = [
      usage('storage.ssd', 'vol-b', '0.1'),
      usage('vm.small', 'srv-1', '2'),
      usage('storage.ssd', 'vol-a', '0.2'),
      usage('storage.ssd', 'vol-b', '0.2'),
    ];
    // when it is rated in USD, in two different input orders
    const lines = linesOf(rateUsage({ currency: 'USD', products, usage: records, period: '2026-11' }));
    const reversed = linesOf(rateUsage({ currency: 'USD', products, usage: [...records].reverse(), period: '2026-11' }));
    // then 0.1 + 0.2 is exactly 0.3 and lines come sorted by period, sku, resource with stable ids
    expect(lines.map((l) => [l.lineId, l.quantity])).toEqual([
      ['storage.ssd:vol-a:2026-11', '0.2'],
      ['storage.ssd:vol-b:2026-11', '0.3'],
      ['vm.small:srv-1:2026-11', '2'],
    ]);
    expect(reversed).toEqual(lines);
    expect(lines[1]).toEqual({
      lineId: 'storage.ssd:vol-b:2026-11',
      sku: 'storage.ssd',
      description: 'SSD storage',
      resourceId: 'vol-b',
      unit: 'GB-month',
      quantity: '0.3',
      unitPrice: '0.125',
      amountMinor: 4, // 0.0375 USD rounds half away from zero to 0.04
      capped: false,
      usagePeriod: '2026-11',
    });
  });

  it('counts a retried usage record once', () => {
    const record = usage('vm.small', 'srv-1', '3');
    const lines = linesOf(rateUsage({ currency: 'USD', products, usage: [record, { ...record }], period: '2026-11' }));
    expect(lines[0].quantity).toBe('3');
  });

  it('reports a usage id that arrives twice with different facts as a conflict', () => {
    const record = usage('vm.small', 'srv-1', '3');
    const result = rateUsage({ currency: 'USD', products, usage: [record, { ...record, quantity: '4' }], period: '2026-11' });
    expect(result).toEqual({ ok: false, code: 'usage_conflict', usageId: record.usageId });
  });

  describe('a resource cap', () => {
    it('bills a server running all month at its 5.00 USD cap instead of 5.3568', () => {
      // given a server at 0.00744 USD/h, capped at 5.00 USD per month, running 720 hours of November
      const records = hourlyUsage('2026-11', 'UTC', 'srv-big');
      expect(records).toHaveLength(720);
      // and another server that ran 100 hours
      const small = Array.from({ length: 100 }, () => usage('vm.small', 'srv-little', '1'));
      // when November is rated in USD
      const lines = linesOf(rateUsage({ currency: 'USD', products, usage: [...records, ...small], period: '2026-11' }));
      // then the busy server is capped at 5.00 and the other (0.744 USD) is not
      expect(lines).toEqual([
        expect.objectContaining({ resourceId: 'srv-big', quantity: '720', amountMinor: 500, capped: true }),
        expect.objectContaining({ resourceId: 'srv-little', quantity: '100', amountMinor: 74, capped: false }),
      ]);
    });

    it('does not cap where the price in that currency has no cap', () => {
      const records = hourlyUsage('2026-11', 'UTC', 'srv-big');
      const [line] = linesOf(rateUsage({ currency: 'EUR', products, usage: records, period: '2026-11' }));
      expect(line).toEqual(expect.objectContaining({ amountMinor: 497, capped: false })); // 720 x 0.0069 = 4.968
    });
  });

  describe('months with a daylight-saving change', () => {
    it('bills 743 hours for a server running all of March in Los Angeles (2026-03-08 has 23 hours)', () => {
      // given hourly usage for every hour of March 2026 in Los Angeles
      const records = hourlyUsage('2026-03', 'America/Los_Angeles', 'srv-la');
      const dstDay = records.filter(
        (r) => DateTime.fromISO(r.occurredAt).setZone('America/Los_Angeles').toISODate() === '2026-03-08',
      );
      expect(dstDay).toHaveLength(23);
      expect(records.every((r) => periodOf(r.occurredAt, 'America/Los_Angeles') === '2026-03')).toBe(true);
      // when the month is rated (EUR price: no cap in the way)
      const [line] = linesOf(rateUsage({ currency: 'EUR', products, usage: records, period: '2026-03' }));
      // then the summed quantity equals the hours in that local month
      expect(line.quantity).toBe('743');
    });

    it('bills 745 hours for a server running all of October in Budapest (2026-10-25 has 25 hours)', () => {
      const records = hourlyUsage('2026-10', 'Europe/Budapest', 'srv-bud');
      const dstDay = records.filter(
        (r) => DateTime.fromISO(r.occurredAt).setZone('Europe/Budapest').toISODate() === '2026-10-25',
      );
      expect(dstDay).toHaveLength(25);
      const [line] = linesOf(rateUsage({ currency: 'EUR', products, usage: records, period: '2026-10' }));
      expect(line.quantity).toBe('745');
      expect(line.amountMinor).toBe(514); // 745 x 0.0069 = 5.1405 -> 5.14
    });
  });

  describe('rounding once per line, half away from zero, to the currency minor unit', () => {
    it('rounds USD to cents only after summing the line', () => {
      // given three API requests at 0.004 USD: each alone would round to 0.00
      const records = [1, 2, 3].map(() => usage('api.requests', 'key-1', '1'));
      const [line] = linesOf(rateUsage({ currency: 'USD', products, usage: records, period: '2026-11' }));
      // then the line of 0.012 USD is 1 cent
      expect(line.amountMinor).toBe(1);
    });

    it('rounds a half cent up in USD (3 x 0.125 = 0.375 -> 0.38)', () => {
      const [line] = linesOf(
        rateUsage({ currency: 'USD', products, usage: [usage('storage.ssd', 'vol-1', '3')], period: '2026-11' }),
      );
      expect(line.amountMinor).toBe(38);
    });

    it('rounds JPY to whole yen (3 x 33.5 = 100.5 -> 101)', () => {
      const [line] = linesOf(
        rateUsage({ currency: 'JPY', products, usage: [usage('storage.ssd', 'vol-1', '3')], period: '2026-11' }),
      );
      expect(line.amountMinor).toBe(101);
      expect(line.unitPrice).toBe('33.5');
    });

    it('rounds KWD once to the ten fils card networks settle (0.0050 -> 0.010, 0.0049 -> 0.000, 0.1845 -> 0.180)', () => {
      const rate = (sku: string, quantity: string): number =>
        linesOf(rateUsage({ currency: 'KWD', products, usage: [usage(sku, 'r-1', quantity)], period: '2026-11' }))[0]
          .amountMinor;
      expect(rate('storage.ssd', '50')).toBe(10); // 50 x 0.0001 = 0.0050 KWD
      expect(rate('storage.ssd', '49')).toBe(0); // 0.0049 KWD
      expect(rate('api.requests', '15')).toBe(180); // 15 x 0.0123 = 0.1845 KWD
      expect(rate('api.requests', '16')).toBe(200); // 16 x 0.0123 = 0.1968 KWD
    });
  });

  describe('late usage', () => {
    it('bills November usage that arrived after the November invoice on the December invoice, labelled as November', () => {
      // given December usage and a November record that arrived late
      const lateRecord = { ...usage('storage.ssd', 'vol-1', '2', '2026-11-29T10:00:00.000Z'), usagePeriod: '2026-11' };
      // when December is rated
      const lines = linesOf(
        rateUsage({
          currency: 'USD',
          products,
          usage: [usage('storage.ssd', 'vol-1', '4', '2026-12-10T10:00:00.000Z')],
          lateUsage: [lateRecord],
          period: '2026-12',
        }),
      );
      // then the late line comes first, belongs to November and says so
      expect(lines).toEqual([
        expect.objectContaining({
          lineId: 'storage.ssd:vol-1:2026-11',
          description: 'SSD storage — November 2026 usage (late)',
          usagePeriod: '2026-11',
          amountMinor: 25,
        }),
        expect.objectContaining({
          lineId: 'storage.ssd:vol-1:2026-12',
          description: 'SSD storage',
          usagePeriod: '2026-12',
          amountMinor: 50,
        }),
      ]);
    });

    it('bills late usage of a capped resource only up to what remains under the monthly cap', () => {
      // given a November invoice that already billed 600 hours (4.464 USD) of a server capped at 5.00
      const late = Array.from({ length: 120 }, () => ({ ...usage('vm.small', 'srv-1', '1'), usagePeriod: '2026-11' }));
      // when 120 more November hours arrive late (720 x 0.00744 = 5.3568 in all)
      const [line] = linesOf(
        rateUsage({
          currency: 'USD',
          products,
          usage: [],
          lateUsage: late,
          alreadyInvoiced: [{ sku: 'vm.small', resourceId: 'srv-1', usagePeriod: '2026-11', quantity: '600' }],
          period: '2026-12',
        }),
      );
      // then only the 0.536 USD left under the cap is billed
      expect(line).toEqual(expect.objectContaining({ quantity: '120', amountMinor: 54, capped: true }));
    });

    it('refuses late usage that does not belong to an earlier period', () => {
      const record = { ...usage('storage.ssd', 'vol-1', '1'), usagePeriod: '2026-12' };
      expect(rateUsage({ currency: 'USD', products, usage: [], lateUsage: [record], period: '2026-12' })).toEqual({
        ok: false,
        code: 'late_usage_not_earlier',
        usageId: record.usageId,
        usagePeriod: '2026-12',
        period: '2026-12',
      });
    });
  });

  describe('coded outcomes instead of exceptions', () => {
    it('reports a product without a price in the account currency', () => {
      const result = rateUsage({ currency: 'JPY', products, usage: [usage('vm.small', 'srv-1', '1')], period: '2026-11' });
      expect(result).toEqual({ ok: false, code: 'price_missing', sku: 'vm.small', currency: 'JPY' });
    });

    it('reports usage of a sku that is not in the price list', () => {
      const result = rateUsage({ currency: 'USD', products, usage: [usage('gpu.huge', 'g-1', '1')], period: '2026-11' });
      expect(result).toEqual({ ok: false, code: 'product_unknown', sku: 'gpu.huge' });
    });

    it('reports a line whose usage sums below zero', () => {
      const result = rateUsage({ currency: 'USD', products, usage: [usage('vm.small', 'srv-1', '-2')], period: '2026-11' });
      expect(result).toEqual({ ok: false, code: 'negative_quantity', lineId: 'vm.small:srv-1:2026-11', quantity: '-2' });
    });
  });

  describe('amounts that would leave a safe integer of minor units', () => {
    // The edge bounds: a quantity up to 10^12, a unit price up to 10^6 major units.
    const bulk: Product = {
      sku: 'bulk',
      description: 'Bulk transfer',
      unit: 'GB-month',
      prices: { JPY: { unitPrice: '1000000' }, KWD: { unitPrice: '1000' } },
    };
    const modest: Product = {
      sku: 'modest',
      description: 'Modest transfer',
      unit: 'GB-month',
      prices: { JPY: { unitPrice: '1000' }, KWD: { unitPrice: '1' } },
    };
    const maxQuantity = '1000000000000';

    it.each([
      // JPY 10^6 × 10^12 = 10^18 yen; KWD 1,000 × 10^12 = 10^15 KWD = 10^18 fils
      ['JPY', '1000000000000000000'],
      ['KWD', '1000000000000000'],
    ])('reports a %s line beyond a safe integer instead of throwing', (currency, amount) => {
      const result = rateUsage({ currency, products: [bulk], usage: [usage('bulk', 'b-1', maxQuantity)], period: '2026-11' });
      expect(result).toEqual({ ok: false, code: 'amount_out_of_range', lineId: 'bulk:b-1:2026-11', amount, currency });
    });

    it.each([
      // ten lines of 10^15 minor units each (JPY 1,000 × 10^12; KWD 1 × 10^12 = 10^15 fils): each fits, the sum does not
      ['JPY', '10000000000000000'],
      ['KWD', '10000000000000'],
    ])('reports a %s subtotal beyond a safe integer although every line fits', (currency, amount) => {
      const records = Array.from({ length: 10 }, (_, i) => usage('modest', `m-${i}`, maxQuantity));
      const result = rateUsage({ currency, products: [modest], usage: records, period: '2026-11' });
      expect(result).toEqual({ ok: false, code: 'amount_out_of_range', lineId: null, amount, currency });
    });

    it.each(['JPY', 'KWD'])('reports a %s line that many in-bound records sum past the limit', (currency) => {
      const records = Array.from({ length: 10 }, () => usage('modest', 'm-1', maxQuantity));
      const result = rateUsage({ currency, products: [modest], usage: records, period: '2026-11' });
      expect(result).toMatchObject({ ok: false, code: 'amount_out_of_range', lineId: 'modest:m-1:2026-11' });
    });

    it.each([
      ['JPY', 9_000_000_000_000_000],
      ['KWD', 9_000_000_000_000_000],
    ])('still rates a %s line just inside the limit', (currency, amountMinor) => {
      const price = currency === 'JPY' ? '9000' : '9';
      const product: Product = { ...modest, prices: { [currency]: { unitPrice: price } } };
      const result = rateUsage({ currency, products: [product], usage: [usage('modest', 'm-1', maxQuantity)], period: '2026-11' });
      expect(result).toMatchObject({ ok: true, lines: [{ amountMinor }] });
    });
  });

  it('rates an account without usage to no lines', () => {
    expect(rateUsage({ currency: 'USD', products, usage: [], period: '2026-11' })).toEqual({ ok: true, lines: [] });
  });
});
