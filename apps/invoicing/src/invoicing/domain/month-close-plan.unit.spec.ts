import { periodOf, previousPeriod } from './billing-period';
import { EARLIEST_ZONE, summarizeRemaining } from './month-close-plan';

describe('month-close plan', () => {
  const counts = [
    { timeZone: 'Asia/Tokyo', count: 2 },
    { timeZone: 'Europe/Budapest', count: 3 },
    { timeZone: 'America/Los_Angeles', count: 4 },
  ];

  it('lets Tokyo be invoiced at 00:00Z on the 1st and makes Budapest and Los Angeles wait for their month end plus grace', () => {
    const at = summarizeRemaining('2026-11', counts, 90, '2026-12-01T00:00:00.000Z');
    expect(at.eligibleZones).toEqual(['Asia/Tokyo']);
    expect(at).toMatchObject({ remaining: 9, eligibleRemaining: 2, waiting: 7, waitingUntil: '2026-12-01T00:30:00.000Z' });
  });

  it('waits for Los Angeles until 08:00Z plus grace once the other zones are done', () => {
    const at = summarizeRemaining('2026-11', [{ timeZone: 'America/Los_Angeles', count: 4 }], 60, '2026-12-01T08:59:59.999Z');
    expect(at).toMatchObject({ eligibleRemaining: 0, waiting: 4, waitingUntil: '2026-12-01T09:00:00.000Z' });
    expect(summarizeRemaining('2026-11', [{ timeZone: 'America/Los_Angeles', count: 4 }], 60, '2026-12-01T09:00:00.000Z')).toMatchObject({
      eligibleRemaining: 4,
      waiting: 0,
      waitingUntil: null,
    });
  });

  it('names the month that has just ended in the zone furthest ahead as the one to schedule', () => {
    expect(previousPeriod(periodOf('2026-11-30T09:59:59Z', EARLIEST_ZONE))).toBe('2026-10');
    expect(previousPeriod(periodOf('2026-11-30T10:00:00Z', EARLIEST_ZONE))).toBe('2026-11');
  });
});
