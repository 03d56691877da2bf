import { authConfig } from '../auth/auth.config';
import { httpConfig } from '../http/http.config';
import { loggingConfig } from '../logging/logging.config';
import { rateLimitConfig } from '../rate-limit/rate-limit.config';
import { credentialsConfig } from '../credentials/credentials.config';
import { databaseConfig } from '../database/database.config';
import { stripeApiConfig } from '../stripe/stripe-api.config';
import { webhookUrlsConfig } from '../stripe/webhook-urls.config';
import { healthCheckConfig } from '../stripe-health/health-check.config';
import { paymentsSyncConfig } from '../payments/payments-sync.config';
import { type ConfigOf, ConfigError, deepFreeze, type Env } from './config-area';
import { withDevelopmentSecrets } from './dev-secrets';

/** Every area's settings, each parsed by the module that owns them; problems are reported in this order. */
export const CONFIG_AREAS = {
  logging: loggingConfig,
  http: httpConfig,
  auth: authConfig,
  credentials: credentialsConfig,
  database: databaseConfig,
  webhookUrls: webhookUrlsConfig,
  stripeApi: stripeApiConfig,
  rateLimits: rateLimitConfig,
  healthCheck: healthCheckConfig,
  paymentsSync: paymentsSyncConfig,
};

/** Everything the service reads from its environment, validated once at start-up and frozen. */
export type AppConfig = { readonly [Area in keyof typeof CONFIG_AREAS]: ConfigOf<(typeof CONFIG_AREAS)[Area]> };

/**
 * Parses every area from `env` (outside production, missing secrets are generated first, see
 * dev-secrets.ts). Throws one ConfigError naming every problem (`problems`: earlier ones, e.g. the
 * development entry point's own, reported first); returns the configuration deep-frozen.
 */
export function loadConfig(
  env: Env = process.env,
  onNotice: (msg: string) => void = () => undefined,
  problems: string[] = [],
): AppConfig {
  const resolved = withDevelopmentSecrets(env, onNotice);
  const config: Record<string, unknown> = {};
  for (const [name, area] of Object.entries(CONFIG_AREAS)) config[name] = area.parse(resolved, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config as AppConfig);
}
