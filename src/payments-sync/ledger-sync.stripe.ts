import { Inject, Injectable } from '@nestjs/common';
import { StripeApiClient, StripeCallError } from '../stripe/stripe-api.client';
import { paymentsSyncConfig, type PaymentsSyncConfig } from './payments-sync.config';

/** Stripe's largest page: every list call of the sync and sweep asks for it. */
const STRIPE_PAGE_SIZE = 100;

/** The lists the sync and the sweep read, as Stripe names them in its paths. */
export type StripeListName = 'subscriptions' | 'invoices' | 'payment_intents' | 'charges' | 'events';

export interface StripePage {
  data: Record<string, unknown>[];
  has_more: boolean;
}

/** A job ran out of the Stripe calls it may make (PAYMENTS_SYNC_MAX_STRIPE_CALLS). */
export class StripeCallBudgetExhausted extends Error {
  constructor(readonly limit: number) {
    super(`stopped after ${limit} calls to Stripe (PAYMENTS_SYNC_MAX_STRIPE_CALLS)`);
    this.name = 'StripeCallBudgetExhausted';
  }
}

/**
 * Failures that another attempt cannot fix (the key is refused, lacks a permission, or Stripe rejects
 * the request itself): the job ends failed with the message instead of being retried.
 */
export function isPermanentStripeFailure(error: unknown): boolean {
  return (
    error instanceof StripeCallError &&
    ['invalid_key', 'expired_key', 'permission', 'rejected', 'not_found'].includes(error.kind)
  );
}

/**
 * The calls to Stripe of the background jobs, one list page at a time (100 objects, `starting_after`
 * the last id seen), through StripeApiClient (its deadline, error mapping and masked messages).
 * All background jobs of an instance share one rate: at most PAYMENTS_JOB_STRIPE_RATE calls a
 * second (a call waits for its slot), so a sync of many pages never uses up the account's limit
 * that the developer's own requests need (Stripe allows 100 reads a second in live mode, 25 in test).
 */
@Injectable()
export class LedgerStripeReader {
  /** When the next call may start (ms since epoch): the slots are spaced 1/rate apart. */
  private nextSlot = 0;

  constructor(
    private readonly stripe: StripeApiClient,
    @Inject(paymentsSyncConfig.KEY) private readonly config: PaymentsSyncConfig,
  ) {}

  /** Waits for this instance's next background call slot. */
  private async throttle(): Promise<void> {
    const spacing = 1000 / this.config.stripeCallsPerSecond;
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + spacing;
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  }

  /**
   * One page of a list. `createdAfter` (events only): Stripe's `created[gt]`; `types`: the event types
   * wanted. Invoices come with their payments (`expand[]=data.payments`), which link an invoice to its
   * payment intent in Stripe's 2025+ versions.
   */
  async page(
    secretKey: string,
    list: StripeListName,
    options: { startingAfter?: string | null; createdAfter?: number; types?: readonly string[] } = {},
  ): Promise<StripePage> {
    await this.throttle();
    const client = this.stripe.clientFor(secretKey);
    const base = {
      limit: STRIPE_PAGE_SIZE,
      ...(options.startingAfter ? { starting_after: options.startingAfter } : {}),
    };
    const result = await this.stripe.call(`list ${list}`, (): Promise<{ data: unknown[]; has_more: boolean }> => {
      switch (list) {
        case 'subscriptions':
          return client.subscriptions.list({ ...base, status: 'all' });
        case 'invoices':
          return client.invoices.list({ ...base, expand: ['data.payments'] });
        case 'payment_intents':
          return client.paymentIntents.list(base);
        case 'charges':
          return client.charges.list(base);
        case 'events':
          return client.events.list({
            ...base,
            ...(options.createdAfter !== undefined ? { created: { gt: options.createdAfter } } : {}),
            ...(options.types?.length ? { types: [...options.types] } : {}),
          });
      }
    });
    if (!Array.isArray(result.data)) throw new StripeCallError('stripe_error', 'Stripe answered a list without data');
    return {
      data: result.data.filter((o): o is Record<string, unknown> => o !== null && typeof o === 'object'),
      has_more: result.has_more === true,
    };
  }
}
