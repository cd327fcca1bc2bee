import { begin, complete, lookup, release, type IdempotencyRecords, type KeyedRequest } from './idempotency-store';

const request = (overrides: Partial<KeyedRequest> = {}): KeyedRequest => ({
  apiKey: 'sk_test_a',
  idempotencyKey: 'inv_1:attempt_1',
  endpoint: 'POST /v1/payment_intents',
  fingerprint: '{"amount":"2000"}',
  ...overrides,
});
const charged = { status: 200, body: '{"id":"pi_1"}', effect: 'charge' as const };

describe('idempotency store', () => {
  let records: IdempotencyRecords;
  beforeEach(() => {
    records = new Map();
  });

  it('lets a new key execute and locks it as in flight', () => {
    expect(begin(records, request())).toEqual({ outcome: 'new' });

    expect(lookup(records, request())).toMatchObject({
      outcome: 'refused',
      status: 409,
      error: { type: 'idempotency_error', code: 'idempotency_key_in_use' },
    });
  });

  it('looks up without locking', () => {
    expect(lookup(records, request())).toEqual({ outcome: 'new' });
    expect(begin(records, request())).toEqual({ outcome: 'new' });
  });

  it('replays the completed answer for the same key, endpoint and parameters', () => {
    begin(records, request());
    complete(records, request(), charged);

    expect(begin(records, request())).toEqual({ outcome: 'replay', answer: charged });
  });

  it('refuses the same key on another endpoint with 400 idempotency_error naming both endpoints', () => {
    begin(records, request());
    complete(records, request(), charged);

    const decision = begin(records, request({ endpoint: 'POST /v1/customers' }));
    expect(decision).toMatchObject({ outcome: 'refused', status: 400, error: { type: 'idempotency_error' } });
    expect(decision.outcome === 'refused' && decision.error.message).toContain(
      "('POST /v1/payment_intents' vs 'POST /v1/customers')",
    );
  });

  it('refuses the same key with other parameters with 400 idempotency_error', () => {
    begin(records, request());
    complete(records, request(), charged);

    expect(begin(records, request({ fingerprint: '{"amount":"2100"}' }))).toMatchObject({
      outcome: 'refused',
      status: 400,
      error: { type: 'idempotency_error', message: expect.stringContaining('same parameters') },
    });
  });

  it('forgets a released key, so a corrected retry with it executes', () => {
    begin(records, request());
    release(records, request());

    expect(begin(records, request({ fingerprint: '{"amount":"2010"}' }))).toEqual({ outcome: 'new' });
  });

  it('scopes keys per API key', () => {
    begin(records, request());
    complete(records, request(), charged);

    expect(begin(records, request({ apiKey: 'sk_test_b', endpoint: 'POST /v1/customers' }))).toEqual({ outcome: 'new' });
  });
});
