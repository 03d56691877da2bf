import { type ConfigOf, defineConfig, type Env, isHttpUrl, parsePort, positiveInteger } from '../config/config-area';

/** The HTTP server: where it listens, CORS, which proxies are believed, how long SIGTERM drains. */
export const httpConfig = defineConfig('http', (env, problems) => {
  const port = parsePort(env.PORT, 3000);
  if (port === undefined) problems.push('PORT must be an integer between 0 and 65535');
  const host = (env.HOST ?? '0.0.0.0').trim();
  if (!host) problems.push('HOST must not be empty (e.g. 0.0.0.0 or 127.0.0.1)');
  return {
    port: port ?? 3000,
    /** Interface the service listens on. */
    host,
    /** Origins allowed by CORS; empty = CORS off (no Access-Control-* headers). */
    corsOrigins: parseCorsOrigins(env.CORS_ORIGINS, problems),
    /** Which proxies' X-Forwarded-For is believed for the client IP (Fastify's `trustProxy`); false: none. */
    trustProxy: parseTrustProxy(env.TRUST_PROXY, problems),
    /** How long SIGTERM waits for in-flight requests before closing their connections. */
    shutdownTimeoutMs: positiveInteger(env, 'SHUTDOWN_TIMEOUT_MS', 10000, problems),
    /** The largest request bodies read (see request-body.ts); larger ones are a 413 before being read. */
    bodyLimits: {
      jsonBytes: bodyLimit(env, 'BODY_LIMIT_BYTES', DEFAULT_BODY_LIMITS.jsonBytes, problems),
      ownBodyBytes: bodyLimit(env, 'RAW_BODY_LIMIT_BYTES', DEFAULT_BODY_LIMITS.ownBodyBytes, problems),
      maxElements: positiveInteger(env, 'BODY_MAX_ELEMENTS', DEFAULT_BODY_LIMITS.maxElements, problems),
      maxDepth: positiveInteger(env, 'BODY_MAX_DEPTH', DEFAULT_BODY_LIMITS.maxDepth, problems),
    },
    /** Bytes requests may hold at once for their bodies and stored events (see memory-budget.ts). */
    memoryBudgetBytes: positiveInteger(env, 'BODY_MEMORY_BUDGET_MB', DEFAULT_MEMORY_BUDGET_MB, problems) * 1024 * 1024,
    /** How long a body may take to arrive, and how slowly (see request-body.ts, BodyReadWatch). */
    bodyReadLimits: {
      timeoutMs: positiveInteger(env, 'BODY_READ_TIMEOUT_MS', DEFAULT_BODY_READ.timeoutMs, problems),
      minBytesPerSecond: positiveInteger(
        env,
        'BODY_MIN_BYTES_PER_SECOND',
        DEFAULT_BODY_READ.minBytesPerSecond,
        problems,
      ),
      graceMs: positiveInteger(env, 'BODY_MIN_RATE_GRACE_MS', DEFAULT_BODY_READ.graceMs, problems),
    },
  };
});
export type HttpConfig = ConfigOf<typeof httpConfig>;

/**
 * JSON and form bodies: 64 KiB, far above the largest valid request (a configuration with four keys).
 * Bodies a route reads itself as raw bytes (Stripe's signed deliveries): 1 MiB, what Stripe may send.
 */
const DEFAULT_BODY_LIMITS = {
  jsonBytes: 64 * 1024,
  ownBodyBytes: 1024 * 1024,
  // The largest valid JSON body has a few dozen values, nested two levels.
  maxElements: 1000,
  maxDepth: 32,
} as const;

/**
 * Chosen with the heap cap of `npm run start:prod` (--max-old-space-size=160): the service holds about
 * 41 MB of heap at rest; 48 MB of bodies and events in flight keeps the heap well under its cap and
 * the RSS under 200 MB (measurements in docs/security.md).
 */
const DEFAULT_MEMORY_BUDGET_MB = 48;

/** A body must arrive within 30 s, and at 4 KiB/s at least once 5 s have passed. */
const DEFAULT_BODY_READ = { timeoutMs: 30_000, minBytesPerSecond: 4096, graceMs: 5_000 } as const;

/** A bound for either body limit: a body is held whole in memory while it is read. */
const MAX_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

function bodyLimit(env: Env, name: string, fallback: number, problems: string[]): number {
  const value = positiveInteger(env, name, fallback, problems);
  if (value > MAX_BODY_LIMIT_BYTES) problems.push(`${name} must be at most ${MAX_BODY_LIMIT_BYTES} (16 MiB)`);
  return value;
}

function parseCorsOrigins(raw: string | undefined, problems: string[]): string[] {
  const origins = (raw ?? '')
    .split(',')
    .map((s) => s.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  for (const origin of origins) {
    if (!isHttpUrl(origin) || new URL(origin).origin !== origin)
      problems.push(`CORS_ORIGINS: "${origin}" is not an origin such as https://app.example.com`);
  }
  return origins;
}

/**
 * TRUST_PROXY: unset or `false` trusts no proxy (the client IP is the peer's address); a number is
 * the count of proxy hops in front of the service; otherwise a comma-separated list of the proxies'
 * addresses or CIDR ranges. `true` (trust any X-Forwarded-For) is refused: any client could then
 * pick its own IP and escape the per-IP login limit.
 */
function parseTrustProxy(raw: string | undefined, problems: string[]): false | number | string[] {
  const value = (raw ?? '').trim();
  if (value === '' || value.toLowerCase() === 'false') return false;
  if (/^\d{1,2}$/.test(value) && Number(value) > 0) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim());
  const address = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]*)(\/\d{1,3})?$/i;
  if (entries.every((entry) => address.test(entry))) return entries;
  problems.push(
    'TRUST_PROXY must be a hop count (1-99) or a comma-separated list of proxy IP addresses or CIDR ranges',
  );
  return false;
}
