/**
 * Property-based fuzzing of the public HTTP API (fast-check): random sequences of valid,
 * borderline and hostile requests against a running stack. Invariants, checked per request:
 * - the answer is 2xx or 4xx, never 5xx (nor a dropped connection);
 * - a 4xx writes nothing: the invoicing service's business tables are unchanged.
 * The month closes the sequences request are checked afterwards by `checkMonthCloses`.
 */
import fc from 'fast-check';
import { Client } from 'pg';
import { DEV_TOKENS, Stack } from '../../scripts/stack/stack';

/** Periods the fuzzer may close: few, so that the month closes it requests stay affordable. */
export const FUZZ_PERIODS = ['2026-08', '2026-09', '2026-10'] as const;
/** A period the API property may close while it runs (it holds no fuzz usage). */
const EARLY_PERIOD = '2026-07';
const SKUS = ['vm.small', 'storage.gb', 'api.request'];
const CURRENCIES = ['USD', 'JPY', 'KWD', 'EUR', 'HUF'];
const ZONES = ['UTC', 'America/Los_Angeles', 'Asia/Tokyo', 'Asia/Kuwait', 'Europe/Budapest', 'Pacific/Kiritimati'];
const LOCALES = ['en-US', 'ja-JP', 'ar-KW', 'hu-HU', 'de-DE'];
const CARDS = ['pm_card_visa', 'pm_card_chargeCustomerFail', 'pm_card_authenticationRequired', null];

export interface FuzzRequest {
  label: string;
  service: 'invoicing' | 'payments' | 'collections' | 'reporting' | 'notifications';
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  path: string;
  token: string | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/** What the fuzzer knows about the stack it drives (ids it created, so requests can hit them). */
export interface FuzzWorld {
  accountIds: string[];
  usageIds: { usageId: string; accountId: string; record: Record<string, unknown> }[];
  providerCustomerId: string;
}

const hostile = fc.oneof(
  fc.constantFrom('', ' ', '=cmd|/C calc', '<script>alert(1)</script>', "'; DROP TABLE accounts; --", '\u0000', '\uD800', 'NaN', 'Infinity'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);
const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 2 }), hostile, fc.constant(undefined));

/** A field: how its valid values look, and values at or beyond its edge. */
interface FieldSpec {
  valid: fc.Arbitrary<unknown>;
  edge: fc.Arbitrary<unknown>;
}
function field(valid: fc.Arbitrary<unknown>, edge: fc.Arbitrary<unknown>): FieldSpec {
  return { valid, edge };
}

/**
 * An object of these fields: often entirely valid (so requests reach deep into the system),
 * otherwise valid but for ONE field at its edge, one field of any JSON or missing, or one
 * unknown field more (so a refusal can be traced to that field).
 */
function shape(specs: Record<string, FieldSpec>, optional: readonly string[] = [], validWeight = 5): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(specs);
  const valid = fc.record(Object.fromEntries(keys.map((k) => [k, specs[k].valid])), {
    requiredKeys: keys.filter((k) => !optional.includes(k)),
  }) as fc.Arbitrary<Record<string, unknown>>;
  return fc.oneof(
    { weight: validWeight, arbitrary: valid },
    { weight: 3, arbitrary: fc.tuple(valid, fc.constantFrom(...keys)).chain(([v, k]) => specs[k].edge.map((e) => ({ ...v, [k]: e }))) },
    {
      weight: 1,
      arbitrary: fc.tuple(valid, fc.constantFrom(...keys), anyJson).map(([v, k, junk]) => {
        const copy = { ...v, [k]: junk };
        if (junk === undefined) delete copy[k];
        return copy;
      }),
    },
    { weight: 1, arbitrary: fc.tuple(valid, fc.string({ minLength: 1, maxLength: 10 })).map(([v, k]) => ({ ...v, [`x-${k}`]: 1 })) },
  );
}

const decimalQuantity = fc.oneof(
  fc.integer({ min: 0, max: 2_000 }).map(String),
  fc.tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 999_999 })).map(([a, b]) => `${a}.${b}`),
);
const edgeQuantity = fc.constantFrom(
  '1000000000000000000000',
  '1e21',
  '-1',
  '0.0000000001',
  '1000000000000',
  '999999999999.999999999',
  '1000000000000.000000001',
  '00012',
  '.5',
  '5.',
  ' 1',
  '',
);
const instantIn = (period: string) =>
  fc.integer({ min: 0, max: 27 * 24 * 60 - 1 }).map((minutes) => {
    const start = Date.parse(`${period}-01T12:00:00.000Z`);
    return new Date(start + minutes * 60_000).toISOString();
  });
const edgeInstant = fc.constantFrom('2026-10-10 10:00', '2026-13-01T00:00:00Z', '1969-12-31T23:59:59Z', '9999-12-31T23:59:59Z', '2026-10-10T10:00:00+02:00');

function accountBody(world: FuzzWorld) {
  return shape(
    {
      name: field(fc.oneof(fc.stringMatching(/^[A-Z][A-Za-z0-9 .'&-]{0,30}[a-z]$/), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((n) => n.trim().length > 0)), fc.constantFrom('', ' ', 'x'.repeat(201), '=HYPERLINK("http://x")')),
      billingEmail: field(fc.stringMatching(/^[a-z][a-z0-9.]{0,15}[a-z0-9]$/).map((local) => `${local}@example.com`), fc.constantFrom('not-an-email', '', 'a@b')),
      currency: field(fc.constantFrom(...CURRENCIES), fc.constantFrom('usd', 'XXX', 'JPYY', '')),
      timeZone: field(fc.constantFrom(...ZONES), fc.constantFrom('Mars/Olympus', 'PST', '+02:00', '')),
      locale: field(fc.constantFrom(...LOCALES), fc.constantFrom('xx_YY', '', 'en-US-u-ca-buddhist-x-' + 'a'.repeat(90))),
      providerCustomerId: field(fc.constant(world.providerCustomerId), fc.constantFrom(null, '', 'cus_unknown')),
      paymentMethodId: field(fc.constantFrom(...CARDS), fc.constantFrom('', 'pm_unknown')),
      creditBalanceMinor: field(
        fc.integer({ min: 0, max: 100_000 }),
        fc.constantFrom(-1, 0.5, 2 ** 53, 1e21, '100', Number.MAX_SAFE_INTEGER),
      ),
      status: field(fc.constantFrom('active', 'active', 'active', 'closed'), fc.constantFrom('deleted', '')),
    },
    ['providerCustomerId', 'paymentMethodId', 'creditBalanceMinor', 'status'],
    8,
  );
}

function usageRecord(world: FuzzWorld) {
  const known = world.accountIds.length > 0 ? fc.constantFrom(...world.accountIds) : fc.uuid();
  return shape({
    usageId: field(fc.uuid().map((u) => `fz-${u}`), fc.constantFrom('', 'x'.repeat(201))),
    accountId: field(known, fc.oneof(fc.uuid(), fc.constant('not-a-uuid'))),
    sku: field(fc.constantFrom(...SKUS), fc.constantFrom('nope', '')),
    resourceId: field(fc.constantFrom('srv-1', 'srv-2', 'key-1'), fc.constantFrom('', 'r'.repeat(201))),
    quantity: field(decimalQuantity, edgeQuantity),
    occurredAt: field(fc.constantFrom(...FUZZ_PERIODS).chain(instantIn), edgeInstant),
  }, [], 25);
}

/** Sends a usage id the stack already holds again: the same facts, or different ones. */
function resentUsage(world: FuzzWorld) {
  if (world.usageIds.length === 0) return usageRecord(world);
  return fc.tuple(fc.constantFrom(...world.usageIds), fc.boolean(), decimalQuantity).map(([seen, same, quantity]) =>
    same ? { ...seen.record } : { ...seen.record, quantity: quantity === seen.record.quantity ? `${quantity}1` : quantity },
  );
}

const knownOrRandomId = (world: FuzzWorld) =>
  world.accountIds.length > 0
    ? fc.oneof(fc.constantFrom(...world.accountIds), fc.uuid(), fc.constant('not-a-uuid'))
    : fc.oneof(fc.uuid(), fc.constant('not-a-uuid'));

const token = fc.oneof(
  { weight: 8, arbitrary: fc.constant(DEV_TOKENS.operator) },
  { weight: 1, arbitrary: fc.constantFrom(DEV_TOKENS.finance, 'wrong-token', null) },
);

const query = (params: Record<string, fc.Arbitrary<string>>) =>
  fc.record(params, { requiredKeys: [] }).map((q) => {
    const search = new URLSearchParams(q as Record<string, string>).toString();
    return search ? `?${search}` : '';
  });
const periodParam = fc.oneof(fc.constantFrom(...FUZZ_PERIODS), fc.constantFrom('2026-13', 'abc', '', '2026-1'));

export function fuzzRequest(world: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  const invoicing = (label: string, method: FuzzRequest['method'], path: string, body?: unknown) =>
    token.map((t): FuzzRequest => ({ label, service: 'invoicing', method, path, token: t, body }));
  return fc.oneof(
    { weight: 3, arbitrary: accountBody(world).chain((body) => invoicing('create account', 'POST', '/v1/accounts', body)) },
    {
      weight: 2,
      arbitrary: fc.tuple(knownOrRandomId(world), accountBody(world)).chain(([id, body]) =>
        fc
          .subarray(Object.keys(body))
          .chain((keys) => invoicing('patch account', 'PATCH', `/v1/accounts/${id}`, Object.fromEntries(keys.map((k) => [k, (body as Record<string, unknown>)[k]])))),
      ),
    },
    {
      weight: 5,
      arbitrary: fc
        .array(fc.oneof({ weight: 4, arbitrary: usageRecord(world) }, { weight: 1, arbitrary: resentUsage(world) }), { minLength: 1, maxLength: 6 })
        .chain((records) => invoicing('upload usage', 'POST', '/v1/usage', { records })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.oneof({ weight: 6, arbitrary: fc.constant('fz.sku') }, { weight: 1, arbitrary: fc.constantFrom(...SKUS, '../etc', 'a b') }),
          shape({
            description: field(fc.string({ minLength: 1, maxLength: 30 }), fc.constant('')),
            unit: field(fc.constantFrom('hour', 'GB-month', 'request', 'seat'), fc.constant('litre')),
            prices: field(
              fc.dictionary(
                fc.constantFrom(...CURRENCIES),
                shape({ unitPrice: field(decimalQuantity, edgeQuantity), monthlyCapPerResource: field(decimalQuantity, edgeQuantity) }, ['monthlyCapPerResource']),
                { minKeys: 1, maxKeys: 3 },
              ),
              fc.constant({}),
            ),
          }),
        )
        .chain(([sku, body]) => invoicing('put product', 'PUT', `/v1/products/${encodeURIComponent(sku)}`, body)),
    },
    {
      weight: 1,
      arbitrary: fc
        // The fuzz periods are closed at the end, over everything the sequence created; here only
        // a period with no fuzz usage is closed, next to invalid ones.
        .oneof(shape({ period: field(fc.constant(EARLY_PERIOD), fc.constantFrom('2099-01', '2026-00', 'now')) }), fc.constant({}))
        .chain((body) => invoicing('request month close', 'POST', '/v1/month-closes', body)),
    },
    {
      weight: 2,
      arbitrary: fc.oneof(
        query({ period: periodParam, limit: fc.constantFrom('1', '0', '-5', '100000', 'x') }).map((q) => `/v1/reports/reconciliation${q}`),
        periodParam.map((p) => `/v1/reports/month-close/${encodeURIComponent(p)}`),
        query({ from: periodParam, to: periodParam, groupBy: fc.constantFrom('product', 'month', 'x'), format: fc.constantFrom('csv', 'json', 'xml') }).map((q) => `/v1/reports/revenue${q}`),
        query({ asOf: fc.constantFrom('2026-11-30', '2026-02-30', 'yesterday') }).map((q) => `/v1/reports/ar-aging${q}`),
        fc.tuple(knownOrRandomId(world), query({ limit: fc.constantFrom('2', '0', 'x'), cursor: fc.constantFrom('abc', '999999') })).map(([id, q]) => `/v1/reports/accounts/${id}/ledger${q}`),
        query({ cursor: fc.constantFrom('zzz', '-1'), limit: fc.constantFrom('1', '0') }).map((q) => `/v1/reports/delinquent-accounts${q}`),
      ).map((path): FuzzRequest => ({ label: 'finance report', service: 'reporting', method: 'GET', path, token: DEV_TOKENS.finance })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.string({ maxLength: 200 }), fc.constantFrom('t=1,v1=abc', '', 'garbage'))
        .map(([rawBody, signature]): FuzzRequest => ({
          label: 'stripe webhook',
          service: 'payments',
          method: 'POST',
          path: '/v1/webhooks/stripe',
          token: null,
          rawBody,
          headers: { 'stripe-signature': signature, 'content-type': 'application/json' },
        })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(knownOrRandomId(world), shape({ reason: field(fc.string({ minLength: 1, maxLength: 30 }), fc.constant('')) }, ['reason']))
        .map(([id, body]): FuzzRequest => ({ label: 'release hold', service: 'collections', method: 'POST', path: `/v1/accounts/${id}/hold/release`, token: DEV_TOKENS.admin, body })),
    },
    {
      weight: 1,
      arbitrary: knownOrRandomId(world).map((id): FuzzRequest => ({ label: 'invoice charges', service: 'payments', method: 'GET', path: `/v1/invoices/${id}/charges`, token: DEV_TOKENS.finance })),
    },
  );
}

export interface FuzzResponse {
  status: number;
  text: string;
}

export async function send(stack: Stack, request: FuzzRequest): Promise<FuzzResponse> {
  const response = await fetch(`${stack.url(request.service)}${request.path}`, {
    method: request.method,
    headers: {
      ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
      ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(request.headers ?? {}),
    },
    body: request.rawBody ?? (request.body === undefined ? undefined : JSON.stringify(request.body)),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, text: await response.text() };
}

/**
 * What a request could write in invoicing, as one hash per business table. Columns the month
 * close itself changes in the background (credit spent, usage billed) are left out, so a
 * fingerprint changes only through the API.
 */
export async function invoicingFingerprint(db: Client): Promise<string> {
  const { rows } = await db.query<{ f: string }>(`
    SELECT concat_ws('|',
      (SELECT md5(coalesce(string_agg(concat_ws(',', account_id, name, billing_email, currency, time_zone, locale, provider_customer_id, payment_method_id, status), ';' ORDER BY account_id), '')) FROM accounts),
      (SELECT md5(coalesce(string_agg(concat_ws(',', account_id, usage_id, sku, resource_id, quantity, occurred_at), ';' ORDER BY account_id, usage_id), '')) FROM usage_records),
      (SELECT md5(coalesce(string_agg(concat_ws(',', sku, description, unit, prices::text), ';' ORDER BY sku), '')) FROM products),
      (SELECT count(*) FROM month_close_requests)) AS f`);
  return rows[0].f;
}

/** Remembers what a 2xx created, so that later requests of the sequence can hit it. */
function learn(world: FuzzWorld, request: FuzzRequest, response: FuzzResponse): void {
  if (response.status >= 300) return;
  if (request.label === 'create account') {
    const body = JSON.parse(response.text) as { accountId?: string };
    if (body.accountId && !world.accountIds.includes(body.accountId)) world.accountIds.push(body.accountId);
  }
  if (request.label === 'upload usage') {
    for (const record of (request.body as { records: Record<string, unknown>[] }).records) {
      world.usageIds.push({ usageId: String(record.usageId), accountId: String(record.accountId), record });
    }
    if (world.usageIds.length > 500) world.usageIds.splice(0, world.usageIds.length - 500);
  }
}

export interface ApiFuzzOptions {
  runs: number;
  seed: number;
  /** Requests per generated sequence. */
  maxRequests?: number;
  log?: (line: string) => void;
}

export interface ApiFuzzStats {
  requests: number;
  byStatus: Record<string, number>;
}

/**
 * Runs the API property. Throws fast-check's error (with the seed and path to replay) when an
 * invariant breaks.
 */
export async function fuzzApi(stack: Stack, world: FuzzWorld, options: ApiFuzzOptions): Promise<ApiFuzzStats> {
  const stats: ApiFuzzStats = { requests: 0, byStatus: {} };
  const url = new URL(stack.options.databaseUrl);
  url.pathname = `/${stack.databaseName('invoicing')}`;
  const db = new Client({ connectionString: url.toString() });
  await db.connect();
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constant(null), { minLength: 1, maxLength: options.maxRequests ?? 4 }).chain((slots) =>
          fc.tuple(...slots.map(() => fuzzRequest(world))),
        ),
        async (requests) => {
          for (const request of requests) {
            const before = await invoicingFingerprint(db);
            const response = await send(stack, request);
            stats.requests += 1;
            const bucket = `${Math.floor(response.status / 100)}xx`;
            stats.byStatus[bucket] = (stats.byStatus[bucket] ?? 0) + 1;
            if (response.status >= 500 || response.status < 200) {
              throw new Error(`${request.label} ${request.method} ${request.path} answered ${response.status}: ${response.text.slice(0, 300)}`);
            }
            if (response.status >= 400) {
              const after = await invoicingFingerprint(db);
              if (after !== before) {
                throw new Error(`${request.label} answered ${response.status} but wrote to invoicing: ${response.text.slice(0, 300)}`);
              }
            }
            learn(world, request, response);
          }
        },
      ),
      { numRuns: options.runs, seed: options.seed, endOnFailure: true },
    );
  } finally {
    await db.end();
  }
  return stats;
}
