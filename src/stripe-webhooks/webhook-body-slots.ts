import { Inject, Injectable } from '@nestjs/common';
import { stripeWebhooksConfig, type StripeWebhooksConfig } from './stripe-webhooks.config';

/**
 * Bounds the memory the public webhook receiver can take: each large body (over `smallBodyBytes`, up
 * to the raw body limit, plus its parsed event) holds one of `largeBodySlots` slots from the moment it
 * starts being read until the delivery is answered. When all slots are taken the delivery is answered
 * 503 with Retry-After (Stripe retries), so a flood of large bodies cannot exhaust the heap that
 * authenticated requests share. Small bodies, which real Stripe events nearly always are, never wait
 * for a slot.
 */
@Injectable()
export class WebhookBodySlots {
  private inUse = 0;

  constructor(@Inject(stripeWebhooksConfig.KEY) private readonly config: StripeWebhooksConfig) {}

  /** A release function, or null when every slot is taken. Small bodies get a no-op release. */
  tryAcquire(contentLength: number | undefined): (() => void) | null {
    if (contentLength !== undefined && contentLength <= this.config.smallBodyBytes) return () => undefined;
    if (this.inUse >= this.config.largeBodySlots) return null;
    this.inUse++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse--;
    };
  }
}
