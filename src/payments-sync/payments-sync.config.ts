import { type ConfigOf, defineConfig, type Env, parseDurationSeconds } from '../config/config-area';

/** A duration variable in milliseconds (`30s`, `15m`, `1h`, plain seconds); null for `0`/`off` when allowed. */
function duration(env: Env, name: string, fallback: string, problems: string[], allowOff: boolean): number | null {
  const raw = (env[name] ?? fallback).trim().toLowerCase();
  if (allowOff && (raw === '0' || raw === 'off')) return null;
  const seconds = parseDurationSeconds(raw);
  if (seconds === undefined) {
    problems.push(`${name} must be a duration such as 1h, 15m or 30s${allowOff ? ', or 0/off to disable' : ''}`);
    return null;
  }
  return seconds * 1000;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = (env[name] ?? String(fallback)).trim();
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    problems.push(`${name} must be an integer between ${min} and ${max}`);
    return fallback;
  }
  return value;
}

/**
 * The ledger's background jobs (ledger-jobs.ts): the history import (sync) and the
 * sweep of Stripe's event list for deliveries that never arrived. See docs/configuration.md.
 */
export const paymentsSyncConfig = defineConfig('payments sync', (env, problems) => {
  const pollMs = duration(env, 'PAYMENTS_JOB_POLL_INTERVAL', '2s', problems, false) ?? 2000;
  return {
    /** Jobs this instance runs at once (each queue); 0: it only enqueues, other instances run them. */
    workers: integer(env, 'PAYMENTS_JOB_WORKERS', 2, 0, 16, problems),
    /** How often an idle worker looks for a job (pg-boss polls; a job sent by this instance wakes it at once). */
    pollMs,
    /** Connections the job queue keeps open besides the request pool (pg-boss's own pool). */
    poolSize: integer(env, 'PAYMENTS_JOB_POOL_SIZE', 3, 1, 50, problems),
    /** Attempts after the first failed one, each `retryDelayMs` × 2^n later (pg-boss's backoff). */
    retryLimit: integer(env, 'PAYMENTS_JOB_RETRY_LIMIT', 5, 0, 50, problems),
    retryDelayMs: duration(env, 'PAYMENTS_JOB_RETRY_DELAY', '30s', problems, false) ?? 30_000,
    /** Calls to Stripe per second all background jobs of this instance make together. */
    stripeCallsPerSecond: integer(env, 'PAYMENTS_JOB_STRIPE_RATE', 10, 1, 100, problems),
    /** Pages of 100 one sync job fetches before it hands over to the next job of the same sync. */
    syncMaxPagesPerRun: integer(env, 'PAYMENTS_SYNC_MAX_PAGES_PER_RUN', 50, 1, 10_000, problems),
    /** Calls to Stripe one whole sync may make; past it the sync stops, failed, with what it imported. */
    syncMaxStripeCalls: integer(env, 'PAYMENTS_SYNC_MAX_STRIPE_CALLS', 2000, 1, 1_000_000, problems),
    /** How often each project's mode is swept for undelivered events; null: never. */
    sweepIntervalMs: duration(env, 'PAYMENTS_SWEEP_INTERVAL', '1h', problems, true),
    /** Pages of 100 events one sweep run fetches; a longer gap is continued by the next run. */
    sweepMaxPages: integer(env, 'PAYMENTS_SWEEP_MAX_PAGES', 10, 1, 1000, problems),
    /** How far back the first sweep of a project's mode looks (Stripe keeps events 30 days). */
    sweepLookbackMs: duration(env, 'PAYMENTS_SWEEP_LOOKBACK', '3d', problems, false) ?? 3 * 86_400_000,
  };
});
export type PaymentsSyncConfig = ConfigOf<typeof paymentsSyncConfig>;
