import { latePeriods, splitUsageByPeriod } from './period-usage';

const record = (usageId: string, occurredAt: string) => ({ usageId, sku: 'storage.gb', resourceId: 'vol-1', quantity: '1', occurredAt });

describe('which usage belongs to the period and which is late', () => {
  it('given usage around the start of November in Los Angeles, when split, then 00:00 local on 1 November is November and 23:59 on 31 October is late October', () => {
    const split = splitUsageByPeriod('2026-11', 'America/Los_Angeles', [
      record('u-1', '2026-11-01T07:00:00.000Z'), // 00:00 on 1 November, PDT
      record('u-2', '2026-11-01T06:59:59.000Z'), // 23:59:59 on 31 October
      record('u-3', '2026-09-15T12:00:00.000Z'),
    ]);
    expect(split.usage.map((u) => u.usageId)).toEqual(['u-1']);
    expect(split.late.map((u) => [u.usageId, u.usagePeriod])).toEqual([
      ['u-2', '2026-10'],
      ['u-3', '2026-09'],
    ]);
  });

  it('given the same instant, when split in Tokyo and in Los Angeles, then it belongs to different periods', () => {
    const instant = [record('u-1', '2026-10-31T16:00:00.000Z')]; // 01:00 on 1 November in Tokyo, 09:00 on 31 October in LA
    expect(splitUsageByPeriod('2026-11', 'Asia/Tokyo', instant)).toMatchObject({ usage: [{ usageId: 'u-1' }], late: [] });
    expect(splitUsageByPeriod('2026-11', 'America/Los_Angeles', instant)).toMatchObject({ usage: [], late: [{ usageId: 'u-1', usagePeriod: '2026-10' }] });
  });

  it('given late usage of several accounts, when asked for their periods, then each period is named once', () => {
    const a = splitUsageByPeriod('2026-11', 'UTC', [record('u-1', '2026-10-02T00:00:00Z'), record('u-2', '2026-10-03T00:00:00Z')]);
    const b = splitUsageByPeriod('2026-11', 'UTC', [record('u-3', '2026-09-02T00:00:00Z'), record('u-4', '2026-11-02T00:00:00Z')]);
    expect(latePeriods([a, b]).sort()).toEqual(['2026-09', '2026-10']);
    expect(latePeriods([splitUsageByPeriod('2026-11', 'UTC', [])])).toEqual([]);
  });
});
