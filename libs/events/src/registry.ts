import { z } from 'zod';
import { EventContract, PayloadOf } from './contract';
import { Envelope, envelopeSchema } from './envelope';
import { NUL_MESSAGE, pathOfNul } from './nul';
import { AccountHoldPlacedV1 } from './events/account-hold-placed.v1';
import { AccountPaymentMethodChangedV1 } from './events/account-payment-method-changed.v1';
import { AccountHoldReleasedV1 } from './events/account-hold-released.v1';
import { CreditNoteIssuedV1 } from './events/credit-note-issued.v1';
import { CreditNoteSettledV1 } from './events/credit-note-settled.v1';
import { ChargeFailedV1 } from './events/charge-failed.v1';
import { ChargeRetryRequestedV1 } from './events/charge-retry-requested.v1';
import { ChargeSkippedV1 } from './events/charge-skipped.v1';
import { ChargeSucceededV1 } from './events/charge-succeeded.v1';
import { EmailFailedV1 } from './events/email-failed.v1';
import { EmailSentV1 } from './events/email-sent.v1';
import { InvoiceGeneratedV1 } from './events/invoice-generated.v1';
import { MonthCloseAccountFailedV1 } from './events/month-close-account-failed.v1';
import { MonthCloseCompletedV1 } from './events/month-close-completed.v1';
import { MonthCloseProgressedV1 } from './events/month-close-progressed.v1';
import { MonthCloseRequestedV1 } from './events/month-close-requested.v1';
import { PaymentRecordedV1 } from './events/payment-recorded.v1';
import { RefundFailedV1 } from './events/refund-failed.v1';
import { RefundSucceededV1 } from './events/refund-succeeded.v1';
import { UsageRecordedV1 } from './events/usage-recorded.v1';

/** Every contract this system knows. A new version is added here next to the old one plus an upcaster. */
export const CONTRACTS = [
  MonthCloseRequestedV1,
  MonthCloseProgressedV1,
  MonthCloseCompletedV1,
  MonthCloseAccountFailedV1,
  InvoiceGeneratedV1,
  ChargeSucceededV1,
  ChargeFailedV1,
  ChargeSkippedV1,
  ChargeRetryRequestedV1,
  AccountHoldPlacedV1,
  AccountHoldReleasedV1,
  EmailSentV1,
  EmailFailedV1,
  UsageRecordedV1,
  AccountPaymentMethodChangedV1,
  PaymentRecordedV1,
  CreditNoteIssuedV1,
  CreditNoteSettledV1,
  RefundSucceededV1,
  RefundFailedV1,
] as const;

type AnyContract = (typeof CONTRACTS)[number];

/** The current shape of every event: a discriminated union on `type`. */
export type BillingEvent = {
  [C in AnyContract as C['type']]: Envelope<C['type'], C['version'], PayloadOf<C>>;
}[AnyContract['type']];

export type EventType = BillingEvent['type'];
export type EventOf<T extends EventType> = Extract<BillingEvent, { type: T }>;

/**
 * Upcasters turn an old (type, version) into the current one. Empty while every event is at v1;
 * a breaking change adds `Xv2`, keeps `Xv1` in CONTRACTS and registers `'X@1': (p) => v2Payload`.
 */
const UPCASTERS: Record<string, (payload: unknown) => { version: number; payload: unknown }> = {};

const byKey = new Map<string, EventContract>(CONTRACTS.map((c) => [`${c.type}@${c.version}`, c]));
const knownTypes = new Set<string>(CONTRACTS.map((c) => c.type));

export type ParseFailure = {
  ok: false;
  reason: 'invalid_envelope' | 'unknown_type' | 'unknown_version' | 'schema_violation';
  message: string;
};
export type ParseResult = { ok: true; event: BillingEvent } | ParseFailure;

/** Names the failing fields: "payload.currency: must be an ISO 4217 currency code". */
export function describeZodError(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('; ');
}

/** Validates an envelope and its payload against the contract of its type and version. */
export function parseEvent(raw: unknown): ParseResult {
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) {
    return { ok: false, reason: 'invalid_envelope', message: describeZodError(envelope.error) };
  }
  let { version, payload } = envelope.data;
  const { type } = envelope.data;
  if (!knownTypes.has(type)) return { ok: false, reason: 'unknown_type', message: `unknown event type: ${type}` };
  for (let upcast = UPCASTERS[`${type}@${version}`]; upcast; upcast = UPCASTERS[`${type}@${version}`]) {
    ({ version, payload } = upcast(payload));
  }
  const contract = byKey.get(`${type}@${version}`);
  if (!contract) {
    return { ok: false, reason: 'unknown_version', message: `unknown version ${version} of event type ${type}` };
  }
  const parsed = contract.schema.safeParse(payload);
  if (!parsed.success) {
    return { ok: false, reason: 'schema_violation', message: describeZodError(parsed.error, 'payload') };
  }
  const nul = pathOfNul(envelope.data);
  if (nul) return { ok: false, reason: 'schema_violation', message: `${nul.join('.')}: ${NUL_MESSAGE}` };
  return { ok: true, event: { ...envelope.data, version, payload: parsed.data } as BillingEvent };
}

/** Thrown when a producer tries to emit an event that breaks its contract: a bug, never sent. */
export class EventContractError extends Error {
  constructor(
    readonly eventType: string,
    readonly details: string,
  ) {
    super(`${eventType} violates its contract: ${details}`);
    this.name = 'EventContractError';
  }
}

export interface EventMeta {
  eventId: string;
  occurredAt: string;
  producer: string;
  accountId: string;
  correlationId: string;
  causationId: string | null;
}

/** Builds an envelope for `contract`, validating the payload on produce. */
export function createEvent<C extends AnyContract>(
  contract: C,
  meta: EventMeta,
  payload: PayloadOf<C>,
): Envelope<C['type'], C['version'], PayloadOf<C>> {
  const parsed = contract.schema.safeParse(payload);
  if (!parsed.success) throw new EventContractError(contract.type, describeZodError(parsed.error, 'payload'));
  const envelope = { ...meta, type: contract.type, version: contract.version, payload: parsed.data };
  const checked = envelopeSchema.safeParse(envelope);
  if (!checked.success) throw new EventContractError(contract.type, describeZodError(checked.error));
  return envelope as Envelope<C['type'], C['version'], PayloadOf<C>>;
}

export function contractFor(type: EventType): AnyContract {
  const contract = CONTRACTS.find((c) => c.type === type);
  if (!contract) throw new RangeError(`no contract for ${type}`);
  return contract;
}
