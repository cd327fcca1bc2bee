import { ApiError } from './api-error';
import type { FormParams } from './form-body';
import { emptyState, type ChargeRecord, type SandboxState } from './state';
import { createRefund, retrieveRefund, type ApiContext } from './stripe-api';

/** The refund endpoint as a pure function of the sandbox's in-memory state (no socket). */
function world(refundFailureReason: string | null = null) {
  const state: SandboxState = emptyState();
  let sequence = 0;
  const events: string[] = [];
  const ctx: ApiContext = {
    state,
    now: () => 1_800_000_000,
    newId: (prefix) => `${prefix}_${++sequence}`,
    idempotencyKey: 'refund:cn_1',
    refundFailureReason,
    emit: (type) => events.push(type),
  };
  const charge = (amount: number, currency: string, status: ChargeRecord['status'] = 'succeeded'): ChargeRecord => {
    const record: ChargeRecord = {
      id: `ch_${++sequence}`,
      object: 'charge',
      payment_intent: `pi_${sequence}`,
      amount,
      amount_refunded: 0,
      refunded: false,
      currency,
      customer: null,
      payment_method: 'pm_card_visa',
      status,
      failure_code: null,
      decline_code: null,
      metadata: {},
      idempotency_key: null,
      created: 0,
    };
    state.charges.push(record);
    return record;
  };
  const refund = (params: FormParams) => createRefund(ctx, params);
  return { state, ctx, charge, refund, events };
}

function refusal(run: () => unknown): ApiError {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('sandbox refunds (pure)', () => {
  it('refunds part of a JPY charge, then the rest when no amount is given, then refuses charge_already_refunded', () => {
    const { charge, refund } = world();
    const ch = charge(5_000, 'jpy');

    const first = refund({ charge: ch.id, amount: '1200' });
    expect(first).toMatchObject({ status: 200, effect: 'refund', body: { amount: 1200, currency: 'jpy', status: 'succeeded', failure_reason: null } });
    expect(ch).toMatchObject({ amount_refunded: 1200, refunded: false });

    const rest = refund({ charge: ch.id });
    expect(rest.body).toMatchObject({ amount: 3800 });
    expect(ch).toMatchObject({ amount_refunded: 5000, refunded: true });

    const error = refusal(() => refund({ charge: ch.id, amount: '1' }));
    expect(error.status).toBe(400);
    expect(error.body).toMatchObject({ type: 'invalid_request_error', code: 'charge_already_refunded' });
  });

  it('refuses more than is left on the charge with amount_too_large and refunds nothing', () => {
    const { charge, refund, state } = world();
    const ch = charge(2_000, 'usd');
    refund({ charge: ch.id, amount: '1500' });

    const error = refusal(() => refund({ charge: ch.id, amount: '501' }));
    expect(error.body).toMatchObject({ code: 'amount_too_large', param: 'amount' });
    expect(ch.amount_refunded).toBe(1500);
    expect(state.refunds.size).toBe(1);
  });

  it('takes KWD refunds in thousandths ending in 0, as charges, and refuses one that does not', () => {
    const { charge, refund } = world();
    const ch = charge(5_120, 'kwd');

    expect(refusal(() => refund({ charge: ch.id, amount: '1235' })).body).toMatchObject({ param: 'amount' });
    expect(ch.amount_refunded).toBe(0);
    expect(refund({ charge: ch.id, amount: '1230' }).body).toMatchObject({ amount: 1230, currency: 'kwd', status: 'succeeded' });
    expect(ch.amount_refunded).toBe(1230);
  });

  it('finds the charge through its PaymentIntent and refuses a PaymentIntent without a succeeded charge', () => {
    const { charge, refund, state } = world();
    const ok = charge(2_000, 'usd');
    state.paymentIntents.set(ok.payment_intent, { id: ok.payment_intent, latest_charge: ok.id } as never);
    const failed = charge(2_000, 'usd', 'failed');
    state.paymentIntents.set(failed.payment_intent, { id: failed.payment_intent, latest_charge: failed.id } as never);

    expect(refund({ payment_intent: ok.payment_intent }).body).toMatchObject({ amount: 2000, charge: ok.id, payment_intent: ok.payment_intent });
    expect(refusal(() => refund({ payment_intent: failed.payment_intent })).body).toMatchObject({ param: 'payment_intent' });
    expect(refusal(() => refund({})).body).toMatchObject({ code: 'parameter_missing' });
  });

  it('with the refundFailureReason fault makes a failed refund that moves no money', () => {
    const { charge, refund, state, events } = world('expired_or_canceled_card');
    const ch = charge(3_000, 'jpy');

    const answer = refund({ charge: ch.id });
    expect(answer.body).toMatchObject({ status: 'failed', failure_reason: 'expired_or_canceled_card', amount: 3000 });
    expect(ch).toMatchObject({ amount_refunded: 0, refunded: false });
    expect([...state.refunds.values()][0]).toMatchObject({ idempotency_key: 'refund:cn_1', status: 'failed' });
    expect(events).toEqual(['charge.refund.updated']);
  });

  it('retrieves a refund without its idempotency key and answers 404 for an unknown one', () => {
    const { charge, refund, ctx } = world();
    const made = refund({ charge: charge(2_000, 'usd').id }).body as { id: string };

    const found = retrieveRefund(ctx, made.id).body;
    expect(found).toMatchObject({ id: made.id, object: 'refund', amount: 2000 });
    expect(found).not.toHaveProperty('idempotency_key');
    expect(refusal(() => retrieveRefund(ctx, 're_missing'))).toMatchObject({ status: 404, body: { code: 'resource_missing' } });
  });
});
