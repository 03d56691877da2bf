import { Injectable } from '@nestjs/common';

/** Bodies up to this size are always read; larger (or of unknown length) ones need a slot. */
export const SMALL_WEBHOOK_BODY_BYTES = 64 * 1024;
/** Large webhook bodies read (and verified, parsed, stored) at once by one instance: at most ~1 MiB × 5 each. */
export const MAX_CONCURRENT_LARGE_WEBHOOK_BODIES = 8;

/**
 * Bounds the memory the public webhook receiver can take: each large body (up to 1 MiB, plus its parsed
 * event) holds a slot from the moment it starts being read until the delivery is answered. When all
 * slots are taken the delivery is answered 503 with Retry-After (Stripe retries), so a flood of large
 * bodies cannot exhaust the heap that authenticated requests share. Small bodies, which real Stripe
 * events nearly always are, never wait for a slot.
 */
@Injectable()
export class WebhookBodySlots {
  private inUse = 0;

  /** A release function, or null when every slot is taken. Small bodies get a no-op release. */
  tryAcquire(contentLength: number | undefined): (() => void) | null {
    if (contentLength !== undefined && contentLength <= SMALL_WEBHOOK_BODY_BYTES) return () => undefined;
    if (this.inUse >= MAX_CONCURRENT_LARGE_WEBHOOK_BODIES) return null;
    this.inUse++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse--;
    };
  }
}
