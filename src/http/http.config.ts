import { type ConfigOf, defineConfig, isHttpUrl, parsePort, positiveInteger } from '../config/config-area';

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
  };
});
export type HttpConfig = ConfigOf<typeof httpConfig>;

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
