/**
 * The provider thread's entry (provider-thread.ts starts it): the Stripe SDK and the slot release
 * on an event loop that does nothing else, so that paced calls go out at their slots while the
 * consumer's thread decodes, validates and records batches. Answers every request with what
 * Stripe created or the fields of what the SDK threw.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InProcessStripeCalls } from '../stripe-calls';
import { StripeClientSettings, createStripeClient } from '../stripe-client';
import { ThreadAnswer, ThreadRequest, callFailureOf } from './protocol';

const port = parentPort!;
const calls = new InProcessStripeCalls(createStripeClient(workerData as StripeClientSettings));

async function answer(request: ThreadRequest): Promise<ThreadAnswer> {
  try {
    switch (request.kind) {
      case 'paymentIntent':
        return { id: request.id, ok: await calls.createPaymentIntent(request.params, request.idempotencyKey, request.slot) };
      case 'refund':
        return { id: request.id, ok: await calls.createRefund(request.params, request.idempotencyKey, request.slot) };
      case 'stats':
        return { id: request.id, ok: await calls.releaseStats() };
    }
  } catch (error) {
    return { id: request.id, failure: callFailureOf(error) };
  }
}

port.on('message', (request: ThreadRequest) => void answer(request).then((a) => port.postMessage(a)));
