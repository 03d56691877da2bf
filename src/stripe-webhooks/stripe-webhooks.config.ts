import { type ConfigOf, defineConfig, positiveInteger } from '../config/config-area';

/**
 * The webhook receiver's memory bound (see WebhookBodySlots): bodies up to 64 KiB are always read;
 * at most 8 larger ones (each up to RAW_BODY_LIMIT_BYTES, 1 MiB, plus its parsed event, about five
 * times that) are read at once by one instance, the next one is a 503 with Retry-After.
 */
export const DEFAULT_WEBHOOK_BODIES = { smallBytes: 64 * 1024, largeSlots: 8 } as const;

/** WEBHOOK_SMALL_BODY_BYTES and WEBHOOK_LARGE_BODY_SLOTS. */
export const stripeWebhooksConfig = defineConfig('stripe-webhooks', (env, problems) => ({
  /** Bodies up to this size never wait for a slot. */
  smallBodyBytes: positiveInteger(env, 'WEBHOOK_SMALL_BODY_BYTES', DEFAULT_WEBHOOK_BODIES.smallBytes, problems),
  /** Larger bodies (or of unknown length) read at once; the next one is a 503. */
  largeBodySlots: positiveInteger(env, 'WEBHOOK_LARGE_BODY_SLOTS', DEFAULT_WEBHOOK_BODIES.largeSlots, problems),
}));
export type StripeWebhooksConfig = ConfigOf<typeof stripeWebhooksConfig>;
