/**
 * What the sandbox answered, per endpoint (`POST /v1/payment_intents`, `GET /v1/customers/:id`):
 * requests, 429s, and every status. Read through `GET /_sandbox/stats`; cleared by reset.
 */
export interface EndpointStats {
  requests: number;
  rateLimited: number;
  /** Count per HTTP status; `dropped` counts connections destroyed by the drop-after-charge fault. */
  statuses: Record<string, number>;
}

export type RequestStats = Map<string, EndpointStats>;

export function recordRequest(stats: RequestStats, endpoint: string, status: number | 'dropped'): void {
  const entry = stats.get(endpoint) ?? emptyStats();
  stats.set(endpoint, add(entry, status));
}

export function statsReport(stats: RequestStats): { totals: EndpointStats; endpoints: Record<string, EndpointStats> } {
  let totals = emptyStats();
  const endpoints: Record<string, EndpointStats> = {};
  for (const [endpoint, entry] of [...stats].sort(([a], [b]) => a.localeCompare(b))) {
    endpoints[endpoint] = entry;
    totals = {
      requests: totals.requests + entry.requests,
      rateLimited: totals.rateLimited + entry.rateLimited,
      statuses: mergeCounts(totals.statuses, entry.statuses),
    };
  }
  return { totals, endpoints };
}

function emptyStats(): EndpointStats {
  return { requests: 0, rateLimited: 0, statuses: {} };
}

function add(entry: EndpointStats, status: number | 'dropped'): EndpointStats {
  return {
    requests: entry.requests + 1,
    rateLimited: entry.rateLimited + (status === 429 ? 1 : 0),
    statuses: mergeCounts(entry.statuses, { [String(status)]: 1 }),
  };
}

function mergeCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const merged = { ...a };
  for (const [key, count] of Object.entries(b)) merged[key] = (merged[key] ?? 0) + count;
  return merged;
}
