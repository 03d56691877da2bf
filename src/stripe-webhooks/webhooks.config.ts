import { type ConfigOf, defineConfig, parseDurationSeconds, positiveInteger } from '../config/config-area';

function duration(env: Record<string, string | undefined>, name: string, fallback: string, problems: string[]) {
  const seconds = parseDurationSeconds(env[name] ?? fallback);
  if (seconds === undefined) problems.push(`${name} must be a duration such as 30d, 12h, 15m or 3600`);
  return (seconds ?? 1) * 1000;
}

/**
 * What strangers and one tenant's deliveries can make the service do and store:
 * - WEBHOOK_CONFIRM_RATE: calls to Stripe per project per minute that confirm a refused delivery's
 *   event id (`GET /v1/events/{id}` with the project's own key); beyond it refusals count as unconfirmed;
 * - WEBHOOK_EVENT_RETENTION: stored events older than this are deleted;
 * - WEBHOOK_EVENT_QUOTA_COUNT / WEBHOOK_EVENT_QUOTA_BYTES: most events, and most bytes of payload, kept
 *   per project (the oldest go first);
 * - WEBHOOK_EVENT_PRUNE_INTERVAL: how often the prune job runs.
 */
export const webhooksConfig = defineConfig('webhooks', (env, problems) => ({
  confirmationsPerProjectPerMinute: positiveInteger(env, 'WEBHOOK_CONFIRM_RATE', 30, problems),
  eventRetentionMs: duration(env, 'WEBHOOK_EVENT_RETENTION', '30d', problems),
  eventQuotaCount: positiveInteger(env, 'WEBHOOK_EVENT_QUOTA_COUNT', 10_000, problems),
  eventQuotaBytes: positiveInteger(env, 'WEBHOOK_EVENT_QUOTA_BYTES', 100 * 1024 * 1024, problems),
  pruneIntervalMs: duration(env, 'WEBHOOK_EVENT_PRUNE_INTERVAL', '60s', problems),
}));
export type WebhooksConfig = ConfigOf<typeof webhooksConfig>;
