import {
  BadRequestException,
  Controller,
  Headers,
  HttpCode,
  Inject,
  Post,
  Req,
  ServiceUnavailableException,
} from '@nestjs/common';
import Stripe from 'stripe';
import { LOGGER, Logger } from '@billing/messaging';
import { PAYMENTS_CONFIG, PaymentsConfig } from '../../../config';
import { STRIPE } from '../../infrastructure/stripe-client';
import { ReconcileStripeEvent } from './reconcile-stripe-event';

/**
 * Stripe's webhook endpoint. Public (no bearer token): the Stripe-Signature over the RAW body,
 * checked against STRIPE_WEBHOOK_SECRET, is the authentication. A bad signature is a 400 and
 * changes nothing.
 */
@Controller('v1/webhooks')
export class StripeWebhookController {
  constructor(
    @Inject(STRIPE) private readonly stripe: Stripe,
    @Inject(PAYMENTS_CONFIG) private readonly config: PaymentsConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly reconcile: ReconcileStripeEvent,
  ) {}

  @Post('stripe')
  @HttpCode(200)
  async receive(@Req() request: { rawBody?: Buffer }, @Headers('stripe-signature') signature: string | undefined) {
    const secret = this.config.STRIPE_WEBHOOK_SECRET;
    if (secret === '') {
      this.logger.error('Stripe webhook received but STRIPE_WEBHOOK_SECRET is not configured');
      throw new ServiceUnavailableException('the webhook endpoint is not configured');
    }
    if (signature === undefined || signature === '') throw new BadRequestException('header Stripe-Signature is required');
    if (request.rawBody === undefined) throw new BadRequestException('body: a JSON Stripe event is required');
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(request.rawBody, signature, secret);
    } catch (error) {
      this.logger.warn({ reason: (error as Error).message }, 'Stripe webhook refused: bad signature');
      throw new BadRequestException('header Stripe-Signature: does not match the payload');
    }
    const outcome = await this.reconcile.execute(event, this.logger);
    return { received: true, eventId: event.id, duplicate: outcome === 'duplicate', outcome };
  }
}
