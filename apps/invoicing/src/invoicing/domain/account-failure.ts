/**
 * Why an account could not be invoiced in a month close: a stable code and a reason for people.
 * Coded failures come from rating and the invoice decision; anything thrown while computing one
 * account's invoice (a bug, or data no rule foresaw) becomes `unexpected_error`, so that one
 * account's bad data costs that account its invoice and never the run.
 */
export interface AccountFailure {
  readonly accountId: string;
  readonly code: string;
  readonly reason: string;
}

type Coded = { readonly ok: false; readonly code: string };

const MAX_REASON = 2000;

const clip = (text: string) => (text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text);

/** "price_missing: sku=storage.gb, currency=JPY": the code and every other field of the failure. */
export function describeFailure(failure: Coded): string {
  const facts = Object.entries(failure)
    .filter(([key]) => key !== 'ok' && key !== 'code')
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return clip(facts.length ? `${failure.code}: ${facts.join(', ')}` : failure.code);
}

export function codedFailure(accountId: string, failure: Coded): AccountFailure {
  return { accountId, code: failure.code, reason: describeFailure(failure) };
}

export function unexpectedFailure(accountId: string, error: unknown): AccountFailure {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : `thrown: ${String(error)}`;
  return { accountId, code: 'unexpected_error', reason: clip(text) };
}

/**
 * Runs the computation of one account's invoice (pure: rating, deciding, building its event);
 * a coded failure or anything it throws comes back as the account's failure.
 */
export function computeForAccount<T>(accountId: string, compute: () => { ok: true; value: T } | Coded): { ok: true; value: T } | { ok: false; failure: AccountFailure } {
  try {
    const result = compute();
    return result.ok ? result : { ok: false, failure: codedFailure(accountId, result) };
  } catch (error) {
    return { ok: false, failure: unexpectedFailure(accountId, error) };
  }
}
