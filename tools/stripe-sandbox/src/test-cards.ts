/**
 * Stripe's documented test PaymentMethods (docs.stripe.com/testing) and the outcome of
 * confirming a PaymentIntent with each. Ids are used verbatim in PaymentIntents; attaching
 * one to a customer creates a new `pm_…` bound to that customer, as Stripe does.
 */
export type CardOutcome =
  | { readonly kind: 'succeeds' }
  | {
      readonly kind: 'declined';
      readonly code: string;
      readonly declineCode: string;
      readonly message: string;
      readonly param?: string;
    }
  | { readonly kind: 'requires_authentication' };

export interface TestCard {
  readonly brand: 'visa' | 'mastercard';
  readonly last4: string;
  readonly outcome: CardOutcome;
  /** Stripe verifies a card when it is attached; cards that decline outright fail there too. */
  readonly attachable: boolean;
}

const declined = (code: string, declineCode: string, message: string, param?: string): CardOutcome => ({
  kind: 'declined',
  code,
  declineCode,
  message,
  ...(param === undefined ? {} : { param }),
});

const CARD_DECLINED = 'Your card was declined.';

export const TEST_CARDS: Readonly<Record<string, TestCard>> = {
  pm_card_visa: { brand: 'visa', last4: '4242', outcome: { kind: 'succeeds' }, attachable: true },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444', outcome: { kind: 'succeeds' }, attachable: true },
  pm_card_visa_chargeDeclined: {
    brand: 'visa', last4: '0002', attachable: false,
    outcome: declined('card_declined', 'generic_decline', CARD_DECLINED),
  },
  pm_card_visa_chargeDeclinedInsufficientFunds: {
    brand: 'visa', last4: '9995', attachable: true,
    outcome: declined('card_declined', 'insufficient_funds', 'Your card has insufficient funds.'),
  },
  pm_card_visa_chargeDeclinedLostCard: {
    brand: 'visa', last4: '9987', attachable: false,
    outcome: declined('card_declined', 'lost_card', CARD_DECLINED),
  },
  pm_card_visa_chargeDeclinedStolenCard: {
    brand: 'visa', last4: '9979', attachable: false,
    outcome: declined('card_declined', 'stolen_card', CARD_DECLINED),
  },
  pm_card_visa_chargeDeclinedFraudulent: {
    brand: 'visa', last4: '0019', attachable: false,
    outcome: declined('card_declined', 'fraudulent', CARD_DECLINED),
  },
  pm_card_chargeCustomerFail: {
    brand: 'visa', last4: '0341', attachable: true,
    outcome: declined('card_declined', 'generic_decline', CARD_DECLINED),
  },
  pm_card_chargeDeclinedExpiredCard: {
    brand: 'visa', last4: '0069', attachable: false,
    outcome: declined('expired_card', 'expired_card', 'Your card has expired.', 'exp_month'),
  },
  pm_card_chargeDeclinedIncorrectCvc: {
    brand: 'visa', last4: '0127', attachable: false,
    outcome: declined('incorrect_cvc', 'incorrect_cvc', "Your card's security code is incorrect.", 'cvc'),
  },
  pm_card_chargeDeclinedProcessingError: {
    brand: 'visa', last4: '0119', attachable: false,
    outcome: declined(
      'processing_error',
      'processing_error',
      'An error occurred while processing your card. Try again in a little bit.',
    ),
  },
  pm_card_authenticationRequired: {
    brand: 'visa', last4: '3184', attachable: true,
    outcome: { kind: 'requires_authentication' },
  },
};

/** The error Stripe answers when an off-session payment needs the customer to authenticate. */
export const AUTHENTICATION_REQUIRED = {
  code: 'authentication_required',
  declineCode: 'authentication_required',
  message:
    'Your card was declined. This transaction requires authentication.',
} as const;
