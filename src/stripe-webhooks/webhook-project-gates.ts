import { Inject, Injectable } from '@nestjs/common';
import { KeyedConcurrencyGates } from '../common/concurrency-gate';
import { RetryLaterException } from '../http/retry-later.exception';
import { stripeWebhooksConfig, type StripeWebhooksConfig } from './stripe-webhooks.config';

const PROJECT_DELIVERIES_BUSY_DETAIL = 'Too many deliveries for this project are being stored at once; retry later';

/**
 * Each project's share of the receiver: the expensive part of a delivery (the transaction that stores
 * the event and projects it into the payments ledger) runs for at most `projectShare.concurrency` of
 * one project's deliveries at once on an instance; up to `maxWaiting` more wait at most `maxWaitMs`,
 * the rest are a 503 with Retry-After (Stripe retries; nothing was stored, nothing acknowledged).
 * A tenant flooding its own project (anyone holding its webhook secret can) then holds a bounded share
 * of the database pool, and other projects' deliveries never queue behind it. Only verified
 * deliveries enter: a forged one is refused before it can take a place.
 */
@Injectable()
export class WebhookProjectGates {
  private readonly gates: KeyedConcurrencyGates;

  constructor(@Inject(stripeWebhooksConfig.KEY) config: StripeWebhooksConfig) {
    this.gates = new KeyedConcurrencyGates(
      config.projectShare,
      () => new RetryLaterException(PROJECT_DELIVERIES_BUSY_DETAIL, 1),
    );
  }

  run<T>(projectId: string, task: () => Promise<T>): Promise<T> {
    return this.gates.run(projectId, task);
  }
}
