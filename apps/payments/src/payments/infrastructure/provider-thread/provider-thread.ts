import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type Stripe from 'stripe';
import { SlotMissed } from '../../application/payment-provider';
import { ProviderSlot, ReleaseStats } from '../../application/provider-pace';
import { CreatedPaymentIntent, CreatedRefund, StripeCalls } from '../stripe-calls';
import { StripeClientSettings } from '../stripe-client';
import { CallFailure, ThreadAnswer, ThreadCall, ThreadRequest } from './protocol';

/**
 * The thread runs what this file runs: the compiled JavaScript (`npm run build`: the stack and the
 * Docker image), or TypeScript through @swc-node/register (tests, `nx serve`), which the thread
 * then loads too, named by its resolved path (a worker's preload does not resolve from the project).
 */
const COMPILED = path.extname(__filename) === '.js';
const WORKER_FILE = path.join(__dirname, `provider-thread.worker${path.extname(__filename)}`);
const WORKER_OPTIONS = {
  execArgv: COMPILED ? [] : ['--require', require.resolve('@swc-node/register')],
  resourceLimits: { maxOldGenerationSizeMb: 48 },
};

/** What the SDK threw in the provider thread, with the fields payments reads (classify-provider-error.ts). */
export class ProviderThreadFailure extends Error {
  constructor(failure: CallFailure) {
    super(failure.message);
    Object.assign(this, failure);
    this.name = 'ProviderThreadFailure';
  }
}

/**
 * Stripe calls sent from a thread of their own (provider-thread.worker.ts): the consumer's thread
 * hands each paced call over as soon as the pace grants its slot, and the provider thread — idle
 * but for timers and sockets — lets it out at the slot. On the consumer's thread a close's work
 * (decoding, validating, recording 100-event batches beside five other processes on two cores)
 * held the event loop up to ~100 ms at p99 and lost a tenth of the provider's pace.
 *
 * If the thread dies, every call in flight fails as a connection error (it may or may not have
 * reached Stripe: the batch is redelivered and the same idempotency key replays the answer) and
 * the next call starts a new thread.
 */
export class ThreadedStripeCalls implements StripeCalls, OnModuleInit, OnModuleDestroy {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { worker: Worker; resolve: (answer: never) => void; reject: (error: unknown) => void }>();

  constructor(private readonly settings: StripeClientSettings) {}

  createPaymentIntent(params: Stripe.PaymentIntentCreateParams, idempotencyKey: string, slot: ProviderSlot | null): Promise<CreatedPaymentIntent | SlotMissed> {
    return this.ask({ kind: 'paymentIntent', params, idempotencyKey, slot });
  }

  createRefund(params: Stripe.RefundCreateParams, idempotencyKey: string, slot: ProviderSlot | null): Promise<CreatedRefund | SlotMissed> {
    return this.ask({ kind: 'refund', params, idempotencyKey, slot });
  }

  releaseStats(): Promise<ReleaseStats> {
    return this.ask({ kind: 'stats' });
  }

  /** Starts the thread with the service and waits for its first answer: a thread that cannot load fails the start, not a call. */
  async onModuleInit(): Promise<void> {
    await this.releaseStats();
  }

  async onModuleDestroy(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker !== null) {
      this.lost(worker, 'provider thread stopped');
      await worker.terminate();
    }
  }

  private ask<Answer>(request: ThreadCall): Promise<Answer> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<Answer>((resolve, reject) => {
      this.pending.set(id, { worker, resolve: resolve as (answer: never) => void, reject });
      worker.postMessage({ ...request, id } satisfies ThreadRequest);
    });
  }

  private start(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = new Worker(WORKER_FILE, { ...WORKER_OPTIONS, workerData: { ...this.settings } });
    worker.unref(); // never what keeps a stopping process alive
    worker.on('message', (answer: ThreadAnswer) => {
      const call = this.pending.get(answer.id);
      if (call === undefined) return;
      this.pending.delete(answer.id);
      if ('failure' in answer) call.reject(new ProviderThreadFailure(answer.failure));
      else call.resolve(answer.ok as never);
    });
    worker.on('error', (error) => this.lost(worker, `provider thread failed: ${error.message}`));
    worker.on('exit', (code) => this.lost(worker, `provider thread exited (${code})`));
    this.worker = worker;
    return worker;
  }

  /** The thread is gone: its calls in flight may or may not have reached Stripe — a connection failure. */
  private lost(worker: Worker, message: string): void {
    if (this.worker === worker) this.worker = null;
    for (const [id, call] of this.pending) {
      if (call.worker !== worker) continue;
      this.pending.delete(id);
      call.reject(new ProviderThreadFailure({ type: 'StripeConnectionError', message }));
    }
  }
}
