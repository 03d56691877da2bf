import { type ConfigOf, defineConfig, type Env, parseDurationSeconds } from '../config/config-area';

/** `limit` requests per `ttlSeconds` window; a limit of 0 switches that limit off. */
export interface RateLimit {
  limit: number;
  ttlSeconds: number;
}

const RATE_LIMIT_STORES = ['postgres', 'memory'] as const;
export type RateLimitStore = (typeof RATE_LIMIT_STORES)[number];

/** The RATE_LIMIT_* limits, and RATE_LIMIT_STORE: where their counters live. */
export const rateLimitConfig = defineConfig('rate limits', (env, problems) => {
  const store = (env.RATE_LIMIT_STORE ?? 'postgres').trim().toLowerCase() as RateLimitStore;
  const limits = {
    /** Login attempts per client IP and email. */
    loginPerEmail: parseRateLimit('RATE_LIMIT_LOGIN', env.RATE_LIMIT_LOGIN ?? '10/60', problems),
    /** Login attempts per client IP, whatever the email. */
    loginPerIp: parseRateLimit('RATE_LIMIT_LOGIN_IP', env.RATE_LIMIT_LOGIN_IP ?? '100/60', problems),
    /** Sign-ups (valid registration requests) per client IP. */
    registerPerIp: parseRateLimit('RATE_LIMIT_REGISTER', env.RATE_LIMIT_REGISTER ?? '30/10m', problems),
    /** Operations that call Stripe (validate-credentials, webhook endpoint creation), per developer. */
    stripeCalls: parseRateLimit('RATE_LIMIT_STRIPE', env.RATE_LIMIT_STRIPE ?? '30/60', problems),
  };
  if (!RATE_LIMIT_STORES.includes(store))
    problems.push(`RATE_LIMIT_STORE must be one of ${RATE_LIMIT_STORES.join(', ')}`);
  /** `store`: PostgreSQL (shared by every instance) or this process' memory. */
  return { ...limits, store, developer: parseDeveloperLimits(env, problems) };
});
export type RateLimitConfig = ConfigOf<typeof rateLimitConfig>;

/**
 * What one developer may have in flight at once in this process (see developer-limits.ts), so that a
 * flood of one developer never takes the main thread from the others. Writes: 128, and 64 KiB of
 * declared bodies (one of the largest JSON bodies at a time; a valid body is under 2 KiB, so a
 * hundred concurrent ordinary writes fit). Listings: 8 (a dashboard loading every list at once).
 * Reads of one stored event (up to 1 MiB each): 2. Bytes per second of write bodies and served
 * events: 1 MiB (a thousand ordinary writes a second; one of the largest events a second; what one
 * developer's large bodies and events cost the main thread stays a small share of it). 0 switches a
 * limit off.
 */
const DEFAULT_DEVELOPER_LIMITS = {
  maxConcurrentWrites: 128,
  maxWriteBytesInFlight: 64 * 1024,
  maxConcurrentListings: 16,
  maxConcurrentEventReads: 2,
  bytesPerSecond: 1024 * 1024,
} as const;

function parseDeveloperLimits(env: Env, problems: string[]) {
  const count = (name: string, fallback: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d{1,9}$/.test(raw)) {
      problems.push(`${name} must be a whole number (0 switches the limit off)`);
      return fallback;
    }
    return Number(raw);
  };
  const defaults = DEFAULT_DEVELOPER_LIMITS;
  return {
    /** Writes (operations that change something) of one developer being answered at once. */
    maxConcurrentWrites: count('DEVELOPER_MAX_CONCURRENT_WRITES', defaults.maxConcurrentWrites),
    /** Declared body bytes of those writes (a body of unknown length counts as BODY_LIMIT_BYTES). */
    maxWriteBytesInFlight: count('DEVELOPER_MAX_WRITE_BYTES_IN_FLIGHT', defaults.maxWriteBytesInFlight),
    /** Listings (paginated lists, aggregates) of one developer being answered at once. */
    maxConcurrentListings: count('DEVELOPER_MAX_CONCURRENT_LISTINGS', defaults.maxConcurrentListings),
    /** Reads of one whole stored event of one developer being answered at once. */
    maxConcurrentEventReads: count('DEVELOPER_MAX_CONCURRENT_EVENT_READS', defaults.maxConcurrentEventReads),
    /** Declared write body bytes plus bytes of events served whole, per second (a bucket of one second's). */
    bytesPerSecond: count('DEVELOPER_BYTES_PER_SECOND', defaults.bytesPerSecond),
  };
}

/** Parses `limit/window`, e.g. `10/60`, `10/1m` or `0` (off). */
function parseRateLimit(name: string, raw: string, problems: string[]): RateLimit {
  const trimmed = raw.trim();
  if (trimmed === '0') return { limit: 0, ttlSeconds: 60 };
  const match = /^(\d+)\s*\/\s*(\S+)$/.exec(trimmed);
  const ttlSeconds = match ? parseDurationSeconds(match[2]) : undefined;
  if (!match || ttlSeconds === undefined) {
    problems.push(`${name} must look like "limit/window" (e.g. 10/60 or 10/1m), or 0 to switch it off`);
    return { limit: 0, ttlSeconds: 60 };
  }
  return { limit: Number(match[1]), ttlSeconds };
}
