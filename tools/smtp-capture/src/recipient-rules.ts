/**
 * Which RCPT TO addresses the capture refuses, and how. Pure state, no I/O:
 * - `reject`: permanent failure (550), e.g. every address at `bounce.invalid`;
 * - `tempFail`: the first N RCPT attempts for an address get 451, later ones are accepted,
 *   so a sender's retry path can be tested.
 */

/**
 * A string entry is either a full address (`ann@example.com`, matched case-insensitively) or a
 * domain (`bounce.invalid` or `@bounce.invalid`, matching every address at exactly that domain).
 */
export type RecipientMatcher = RegExp | readonly string[];

export type RcptVerdict =
  | { kind: 'accept' }
  | { kind: 'reject'; code: 550; message: string }
  | { kind: 'temp-fail'; code: 451; message: string; attempt: number; of: number };

export interface RecipientRulesSnapshot {
  rejectRecipients: string[] | { pattern: string; flags: string };
  tempFailRecipients: Record<string, { failFirst: number; attemptsSoFar: number }>;
}

export function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}

function matches(matcher: RecipientMatcher, address: string): boolean {
  const normalized = normalizeAddress(address);
  if (matcher instanceof RegExp) {
    matcher.lastIndex = 0;
    return matcher.test(address) || matcher.test(normalized);
  }
  const domain = normalized.slice(normalized.lastIndexOf('@') + 1);
  return matcher.some((entry) => {
    const rule = normalizeAddress(entry);
    if (rule.startsWith('@')) return domain === rule.slice(1);
    if (!rule.includes('@')) return domain === rule;
    return normalized === rule;
  });
}

export class RecipientRules {
  private reject: RecipientMatcher;
  private tempFail = new Map<string, number>();
  private attempts = new Map<string, number>();

  constructor(reject: RecipientMatcher = [], tempFail: Record<string, number> = {}) {
    this.reject = reject;
    this.setTempFail(tempFail);
  }

  setReject(reject: RecipientMatcher): void {
    this.reject = reject;
  }

  /** Replaces the temporary-failure table and forgets earlier attempt counts. */
  setTempFail(tempFail: Record<string, number>): void {
    this.tempFail = new Map(Object.entries(tempFail).map(([address, count]) => [normalizeAddress(address), count]));
    this.attempts.clear();
  }

  /** Decides one RCPT TO; counts it as an attempt when the address has a temporary-failure budget. */
  decide(address: string): RcptVerdict {
    if (matches(this.reject, address)) {
      return { kind: 'reject', code: 550, message: `5.1.1 <${address}>: recipient address rejected (capture rule)` };
    }
    const key = normalizeAddress(address);
    const failFirst = this.tempFail.get(key);
    if (failFirst !== undefined) {
      const attempt = (this.attempts.get(key) ?? 0) + 1;
      this.attempts.set(key, attempt);
      if (attempt <= failFirst) {
        return {
          kind: 'temp-fail',
          code: 451,
          message: `4.3.0 <${address}>: temporary failure ${attempt} of ${failFirst}, try again later (capture rule)`,
          attempt,
          of: failFirst,
        };
      }
    }
    return { kind: 'accept' };
  }

  snapshot(): RecipientRulesSnapshot {
    const reject = this.reject;
    return {
      rejectRecipients: reject instanceof RegExp ? { pattern: reject.source, flags: reject.flags } : [...reject],
      tempFailRecipients: Object.fromEntries(
        [...this.tempFail].map(([address, failFirst]) => [
          address,
          { failFirst, attemptsSoFar: this.attempts.get(address) ?? 0 },
        ]),
      ),
    };
  }
}
