import { type ConfigOf, defineConfig, type Env, parseDurationSeconds, positiveInteger } from '../config/config-area';

/**
 * The webhook receiver's memory bound (see WebhookBodySlots): bodies up to 64 KiB are always read;
 * at most 8 larger ones (each up to RAW_BODY_LIMIT_BYTES, 1 MiB) are read at once by one instance, at
 * most 2 of them from one client address; the next one is a 503 with Retry-After. A delivery holds
 * at most 100,000 values (its memory once parsed, see json-shape.ts); more is a 413 before parsing.
 */
export const DEFAULT_WEBHOOK_BODIES = {
  smallBytes: 64 * 1024,
  largeSlots: 8,
  largeSlotsPerClient: 2,
  maxElements: 100_000,
} as const;

/**
 * One project's share of the receiver (see WebhookProjectGates): at most 2 of its verified deliveries
 * are stored (and projected into the ledger) at once by one instance, up to 200 more wait at most 5 s (a
 * burst Stripe sends at once is taken, the wait deadline is the bound),
 * and the next one is a 503 with Retry-After (Stripe retries; nothing is acknowledged or stored).
 */
const DEFAULT_WEBHOOK_PROJECT_SHARE = {
  concurrency: 2,
  maxWaiting: 200,
  maxWaitMs: 5_000,
} as const;

function duration(env: Env, name: string, fallback: string, problems: string[]): number {
  const seconds = parseDurationSeconds(env[name] ?? fallback);
  if (seconds === undefined) problems.push(`${name} must be a duration such as 30d, 12h, 15m or 3600`);
  return (seconds ?? 1) * 1000;
}

/**
 * Everything the receiver and the stored events are bounded by: WEBHOOK_SMALL_BODY_BYTES,
 * WEBHOOK_LARGE_BODY_SLOTS, WEBHOOK_LARGE_BODY_SLOTS_PER_CLIENT, WEBHOOK_MAX_ELEMENTS;
 * WEBHOOK_PROJECT_CONCURRENCY, WEBHOOK_PROJECT_MAX_WAITING, WEBHOOK_PROJECT_MAX_WAIT_MS; and what
 * strangers and one tenant's deliveries can make the service do and store:
 * - WEBHOOK_CONFIRM_RATE: calls to Stripe per project per minute that confirm a refused delivery's
 *   event id (`GET /v1/events/{id}` with the project's own key); beyond it refusals count as unconfirmed;
 * - WEBHOOK_EVENT_RETENTION: stored events older than this are deleted;
 * - WEBHOOK_EVENT_QUOTA_COUNT / WEBHOOK_EVENT_QUOTA_BYTES: most events, and most bytes of payload, kept
 *   per project (the oldest go first);
 * - WEBHOOK_EVENT_PRUNE_INTERVAL: how often the prune job runs.
 */
export const stripeWebhooksConfig = defineConfig('stripe-webhooks', (env, problems) => ({
  /** Bodies up to this size never wait for a slot. */
  smallBodyBytes: positiveInteger(env, 'WEBHOOK_SMALL_BODY_BYTES', DEFAULT_WEBHOOK_BODIES.smallBytes, problems),
  /** Larger bodies (or of unknown length) read at once; the next one is a 503. */
  largeBodySlots: positiveInteger(env, 'WEBHOOK_LARGE_BODY_SLOTS', DEFAULT_WEBHOOK_BODIES.largeSlots, problems),
  /** Of those, how many one client address may hold at once. */
  largeBodySlotsPerClient: positiveInteger(
    env,
    'WEBHOOK_LARGE_BODY_SLOTS_PER_CLIENT',
    DEFAULT_WEBHOOK_BODIES.largeSlotsPerClient,
    problems,
  ),
  /** Most values (object keys included) a verified delivery may hold; more is a 413 before it is parsed. */
  maxElements: positiveInteger(env, 'WEBHOOK_MAX_ELEMENTS', DEFAULT_WEBHOOK_BODIES.maxElements, problems),
  /** One project's verified deliveries stored at once, how many more wait, and for how long. */
  projectShare: {
    concurrency: positiveInteger(
      env,
      'WEBHOOK_PROJECT_CONCURRENCY',
      DEFAULT_WEBHOOK_PROJECT_SHARE.concurrency,
      problems,
    ),
    maxWaiting: positiveInteger(env, 'WEBHOOK_PROJECT_MAX_WAITING', DEFAULT_WEBHOOK_PROJECT_SHARE.maxWaiting, problems),
    maxWaitMs: positiveInteger(env, 'WEBHOOK_PROJECT_MAX_WAIT_MS', DEFAULT_WEBHOOK_PROJECT_SHARE.maxWaitMs, problems),
  },
  confirmationsPerProjectPerMinute: positiveInteger(env, 'WEBHOOK_CONFIRM_RATE', 30, problems),
  eventRetentionMs: duration(env, 'WEBHOOK_EVENT_RETENTION', '30d', problems),
  eventQuotaCount: positiveInteger(env, 'WEBHOOK_EVENT_QUOTA_COUNT', 10_000, problems),
  eventQuotaBytes: positiveInteger(env, 'WEBHOOK_EVENT_QUOTA_BYTES', 100 * 1024 * 1024, problems),
  pruneIntervalMs: duration(env, 'WEBHOOK_EVENT_PRUNE_INTERVAL', '60s', problems),
}));
export type StripeWebhooksConfig = ConfigOf<typeof stripeWebhooksConfig>;
