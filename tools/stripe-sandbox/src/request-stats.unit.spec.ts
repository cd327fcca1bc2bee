import { recordRequest, statsReport, type RequestStats } from './request-stats';

describe('request stats', () => {
  it('counts requests, 429s and each status per endpoint, and sums them in totals', () => {
    const stats: RequestStats = new Map();
    recordRequest(stats, 'POST /v1/payment_intents', 200);
    recordRequest(stats, 'POST /v1/payment_intents', 429);
    recordRequest(stats, 'POST /v1/payment_intents', 402);
    recordRequest(stats, 'POST /v1/payment_intents', 429);
    recordRequest(stats, 'GET /v1/customers/:id', 'dropped');

    expect(statsReport(stats)).toEqual({
      totals: { requests: 5, rateLimited: 2, statuses: { '200': 1, '402': 1, '429': 2, dropped: 1 } },
      endpoints: {
        'GET /v1/customers/:id': { requests: 1, rateLimited: 0, statuses: { dropped: 1 } },
        'POST /v1/payment_intents': { requests: 4, rateLimited: 2, statuses: { '200': 1, '402': 1, '429': 2 } },
      },
    });
  });

  it('reports nothing for an empty store', () => {
    expect(statsReport(new Map())).toEqual({ totals: { requests: 0, rateLimited: 0, statuses: {} }, endpoints: {} });
  });
});
