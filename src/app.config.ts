import { authConfig } from './auth/auth.config';
import type { Env } from './config/config-area';
import { type ConfigOfAreas, loadConfigAreas } from './config/load-config';
import { credentialsConfig } from './credentials/credentials.config';
import { databaseConfig } from './database/database.config';
import { httpConfig } from './http/http.config';
import { loggingConfig } from './logging/logging.config';
import { rateLimitConfig } from './rate-limit/rate-limit.config';
import { stripeApiConfig } from './stripe/stripe-api.config';
import { webhookUrlsConfig } from './stripe/webhook-urls.config';
import { healthCheckConfig } from './stripe-health/health-check.config';
import { projectsConfig } from './projects/projects.config';
import { stripeWebhooksConfig } from './stripe-webhooks/stripe-webhooks.config';
import { auditConfig } from './audit/audit.config';
import { paymentsSyncConfig } from './payments-sync/payments-sync.config';

/**
 * Every settings area of the service, each defined and parsed by the module that owns it
 * (`<module>/<name>.config.ts`); problems are reported in this order. A new module with settings
 * adds its area here, and nowhere else.
 */
export const CONFIG_AREAS = {
  logging: loggingConfig,
  http: httpConfig,
  auth: authConfig,
  credentials: credentialsConfig,
  database: databaseConfig,
  webhookUrls: webhookUrlsConfig,
  stripeApi: stripeApiConfig,
  rateLimits: rateLimitConfig,
  projects: projectsConfig,
  stripeWebhooks: stripeWebhooksConfig,
  healthCheck: healthCheckConfig,
  audit: auditConfig,
  paymentsSync: paymentsSyncConfig,
};

/** Everything the service reads from its environment, validated once at start-up and frozen. */
export type AppConfig = ConfigOfAreas<typeof CONFIG_AREAS>;

/**
 * Parses every area from `env` (outside production, missing secrets are generated first, see
 * config/dev-secrets.ts). Throws one ConfigError naming every problem (`problems`: earlier ones, e.g.
 * the development entry point's own, reported first); returns the configuration deep-frozen.
 */
export function loadConfig(
  env: Env = process.env,
  onNotice: (msg: string) => void = () => undefined,
  problems: string[] = [],
): AppConfig {
  return loadConfigAreas(CONFIG_AREAS, env, onNotice, problems);
}
