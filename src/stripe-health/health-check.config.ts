import { type ConfigOf, defineConfig, parseDurationSeconds } from '../config/config-area';

/**
 * Background re-validation of stored secret keys: HEALTH_CHECK_INTERVAL (`24h` by default, `1s`...,
 * `0` or `off` to disable) and HEALTH_CHECK_RATE.
 */
export const healthCheckConfig = defineConfig('health check', (env, problems) => {
  const rawInterval = (env.HEALTH_CHECK_INTERVAL ?? '24h').trim().toLowerCase();
  let intervalMs: number | null = null;
  if (rawInterval !== '0' && rawInterval !== 'off') {
    const seconds = parseDurationSeconds(rawInterval);
    if (seconds === undefined)
      problems.push('HEALTH_CHECK_INTERVAL must be a duration such as 24h, 30m or 3600, or 0/off to disable');
    else intervalMs = seconds * 1000;
  }
  const rawRate = (env.HEALTH_CHECK_RATE ?? '5').trim();
  const maxCallsPerSecond = Number(rawRate);
  if (!/^\d+$/.test(rawRate) || maxCallsPerSecond < 1 || maxCallsPerSecond > 100)
    problems.push('HEALTH_CHECK_RATE must be an integer between 1 and 100');
  return {
    /** How often each stored secret key is re-checked against Stripe (jittered ±10%); null: never. */
    intervalMs,
    /** Most calls to Stripe per second the background checks make, all instances together. */
    maxCallsPerSecond,
  };
});
export type HealthCheckConfig = ConfigOf<typeof healthCheckConfig>;
