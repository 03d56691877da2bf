import { Inject, Injectable } from '@nestjs/common';
import { stripeWebhooksConfig, type StripeWebhooksConfig } from './stripe-webhooks.config';

/**
 * Bounds what large deliveries can hold on the public webhook receiver: each large body (over
 * `smallBodyBytes`, up to the raw body limit) holds one of `largeBodySlots` slots from the moment it
 * starts being read until the delivery is answered, and one client address holds at most
 * `largeBodySlotsPerClient` of them (the receiver URL is public: clients that send slowly, which the
 * body read deadline drops within seconds, cannot take every slot from one address, even on the
 * victim's own project). When no slot is free, for everyone or for that address, the delivery is
 * answered 503 with Retry-After (Stripe retries). Small bodies, which real Stripe events nearly always
 * are, never wait for a slot (their memory is bounded by the memory budget, see http/memory-budget.ts).
 */
@Injectable()
export class WebhookBodySlots {
  private inUse = 0;
  private readonly byClient = new Map<string, number>();

  constructor(@Inject(stripeWebhooksConfig.KEY) private readonly config: StripeWebhooksConfig) {}

  /** A release function, or null when no slot is free. Small bodies get a no-op release. */
  tryAcquire(contentLength: number | undefined, client: string | null = null): (() => void) | null {
    if (contentLength !== undefined && contentLength <= this.config.smallBodyBytes) return () => undefined;
    if (this.inUse >= this.config.largeBodySlots) return null;
    const key = client ?? '';
    const held = this.byClient.get(key) ?? 0;
    if (held >= this.config.largeBodySlotsPerClient) return null;
    this.inUse++;
    this.byClient.set(key, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse--;
      const left = (this.byClient.get(key) ?? 1) - 1;
      if (left > 0) this.byClient.set(key, left);
      else this.byClient.delete(key);
    };
  }
}
