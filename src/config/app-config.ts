import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Everything the service reads from its environment, validated once at start-up. */
export interface AppConfig {
  nodeEnv: string;
  port: number;
  /** Interface `npm start` listens on. */
  host: string;
  /** Port of the embedded PostgreSQL that `npm start` runs when DATABASE_URL is unset. */
  embeddedPostgresPort: number;
  /** Unset means: start the embedded PostgreSQL (see src/database/embedded-postgres.ts). */
  databaseUrl?: string;
  /** Most connections this instance opens to PostgreSQL (the pool's `max`). */
  databasePoolSize: number;
  /** How long any database operation may take (see DatabaseDeadlines). */
  databaseDeadlines: DatabaseDeadlines;
  jwtSecret: string;
  /** Seconds until an access token expires. */
  jwtExpiresInSeconds: number;
  /** Ordered key ring: the first key encrypts, all keys decrypt. */
  encryptionKeys: EncryptionKey[];
  publicBaseUrl: string;
  stripeApiBase: string;
  stripeTimeoutMs: number;
  /** Where development data (embedded database, generated dev secrets) lives. */
  dataDir: string;
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  logLevel: LogLevel;
  /** Origins allowed by CORS; empty = CORS off (no Access-Control-* headers). */
  corsOrigins: string[];
  rateLimits: RateLimits;
  /** Where rate-limit counters live: PostgreSQL (shared by every instance) or this process' memory. */
  rateLimitStore: RateLimitStore;
  /** Which proxies' X-Forwarded-For is believed for the client IP (Fastify's `trustProxy`); false: none. */
  trustProxy: boolean | number | string[];
  /** How long SIGTERM waits for in-flight requests before closing their connections. */
  shutdownTimeoutMs: number;
  /** Background re-validation of stored secret keys (src/stripe-health/). */
  healthCheck: HealthCheckConfig;
}

export interface HealthCheckConfig {
  /** How often each stored secret key is re-checked against Stripe (jittered ±10%); null: never. */
  intervalMs: number | null;
  /** Most calls to Stripe per second the background checks make, all instances together. */
  maxCallsPerSecond: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `limit` requests per `ttlSeconds` window; a limit of 0 switches that limit off. */
export interface RateLimit {
  limit: number;
  ttlSeconds: number;
}

export interface RateLimits {
  /** Login attempts per client IP and email. */
  loginPerEmail: RateLimit;
  /** Login attempts per client IP, whatever the email. */
  loginPerIp: RateLimit;
  /** Sign-ups (valid registration requests) per client IP. */
  registerPerIp: RateLimit;
  /** Operations that call Stripe (validate-credentials, webhook endpoint creation), per developer. */
  stripeCalls: RateLimit;
}

/** Connections each instance keeps open at most, unless DATABASE_POOL_SIZE says otherwise. */
export const DEFAULT_DATABASE_POOL_SIZE = 10;

/**
 * Deadlines of the database work of a request, all in milliseconds; when one passes the request
 * answers 503 with Retry-After instead of waiting (src/database/deadline-pool.ts).
 */
export interface DatabaseDeadlines {
  /** Opening a new connection (TCP + authentication). */
  connectTimeoutMs: number;
  /** PostgreSQL's statement_timeout: the server cancels a statement running longer. */
  statementTimeoutMs: number;
  /** PostgreSQL's lock_timeout: the server gives up waiting for a row or table lock. */
  lockTimeoutMs: number;
  /** PostgreSQL's idle_in_transaction_session_timeout: the server ends a session idle in a transaction. */
  idleInTransactionTimeoutMs: number;
  /** Client side: a statement without an answer by then is abandoned and its connection closed (a server that stopped answering never cancels it). */
  queryTimeoutMs: number;
  /** Waiting for a free pool connection while all are busy. */
  poolAcquireTimeoutMs: number;
  /** Requests that may wait for a pool connection at once; beyond that, 503 "busy" at once. */
  poolMaxWaiting: number;
}

export const DEFAULT_DATABASE_DEADLINES: DatabaseDeadlines = {
  connectTimeoutMs: 2000,
  statementTimeoutMs: 5000,
  lockTimeoutMs: 3000,
  idleInTransactionTimeoutMs: 15000,
  queryTimeoutMs: 6000,
  poolAcquireTimeoutMs: 10000,
  poolMaxWaiting: 1000,
};

/** The environment variable of each deadline. */
const DATABASE_DEADLINE_VARIABLES: Record<keyof DatabaseDeadlines, string> = {
  connectTimeoutMs: 'DATABASE_CONNECT_TIMEOUT_MS',
  statementTimeoutMs: 'DATABASE_STATEMENT_TIMEOUT_MS',
  lockTimeoutMs: 'DATABASE_LOCK_TIMEOUT_MS',
  idleInTransactionTimeoutMs: 'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS',
  queryTimeoutMs: 'DATABASE_QUERY_TIMEOUT_MS',
  poolAcquireTimeoutMs: 'DATABASE_POOL_ACQUIRE_TIMEOUT_MS',
  poolMaxWaiting: 'DATABASE_POOL_MAX_WAITING',
};

function parseDatabaseDeadlines(env: NodeJS.ProcessEnv, problems: string[]): DatabaseDeadlines {
  const deadlines = { ...DEFAULT_DATABASE_DEADLINES };
  for (const [field, variable] of Object.entries(DATABASE_DEADLINE_VARIABLES) as [keyof DatabaseDeadlines, string][]) {
    const raw = env[variable];
    if (raw === undefined || raw.trim() === '') continue;
    const value = Number(raw.trim());
    if (!Number.isInteger(value) || value < 1 || value > 3_600_000)
      problems.push(`${variable} must be an integer between 1 and 3600000`);
    else deadlines[field] = value;
  }
  // The client-side deadline backs the server's: shorter, it would abandon statements the server still runs.
  if (deadlines.queryTimeoutMs < deadlines.statementTimeoutMs)
    problems.push('DATABASE_QUERY_TIMEOUT_MS must not be shorter than DATABASE_STATEMENT_TIMEOUT_MS');
  return deadlines;
}

/**
 * Refuses a JWT_SECRET that is short or guessable: fewer than 16 characters, fewer than 8 distinct
 * characters, a short pattern repeated, or under 40 bits by a per-character (Shannon) estimate.
 * A random secret of 16+ base64 characters passes; `aaaaaaaaaaaaaaaa` or `abcdabcdabcdabcd` do not.
 */
export function jwtSecretProblem(secret: string): string | undefined {
  const advice =
    "use a random value, e.g. node -e \"console.log(require('crypto').randomBytes(48).toString('base64url'))\"";
  if (secret.length < 16) return `JWT_SECRET must be at least 16 characters long (${advice})`;
  const counts = new Map<string, number>();
  for (const char of secret) counts.set(char, (counts.get(char) ?? 0) + 1);
  const length = [...secret].length;
  const bits = [...counts.values()].reduce((sum, n) => sum - n * Math.log2(n / length), 0);
  const repeated = /^(.{1,8}?)\1+$/s.test(secret);
  if (counts.size < 8 || repeated || bits < 40)
    return `JWT_SECRET is too predictable (${counts.size} distinct characters, about ${Math.floor(bits)} bits): ${advice}`;
  return undefined;
}

export const RATE_LIMIT_STORES = ['postgres', 'memory'] as const;
export type RateLimitStore = (typeof RATE_LIMIT_STORES)[number];

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export const APP_CONFIG = Symbol('APP_CONFIG');

export class ConfigError extends Error {
  constructor(problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export function parseDurationSeconds(raw: string): number | undefined {
  const match = /^(\d+)\s*([smhd]?)$/.exec(raw.trim());
  if (!match) return undefined;
  const value = Number(match[1]) * DURATION_UNITS[match[2] || 's'];
  return value > 0 ? value : undefined;
}

/** Parses `id:base64,id2:base64` into a key ring; pushes a problem for each bad entry. */
export function parseEncryptionKeys(raw: string, problems: string[]): EncryptionKey[] {
  const keys: EncryptionKey[] = [];
  for (const entry of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const sep = entry.indexOf(':');
    const id = sep > 0 ? entry.slice(0, sep) : '';
    const key = Buffer.from(sep > 0 ? entry.slice(sep + 1) : '', 'base64');
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
      problems.push(
        'ENCRYPTION_KEYS: each entry must look like "id:base64-of-32-bytes" (id of letters, digits, _ or -)',
      );
    } else if (key.length !== 32) {
      problems.push(`ENCRYPTION_KEYS: key "${id}" must be 32 bytes encoded in base64`);
    } else if (keys.some((k) => k.id === id)) {
      problems.push(`ENCRYPTION_KEYS: key id "${id}" appears twice`);
    } else {
      keys.push({ id, key });
    }
  }
  if (keys.length === 0 && problems.length === 0) problems.push('ENCRYPTION_KEYS: no key given');
  return keys;
}

interface DevSecrets {
  JWT_SECRET: string;
  ENCRYPTION_KEYS: string;
}

/**
 * Outside production a developer should not have to invent secrets: generate them once
 * and keep them under the data folder so that restarts can still decrypt what was stored.
 * Processes sharing the data folder that start together agree on one file (see createExclusively);
 * instances on other machines cannot share it: they need JWT_SECRET and ENCRYPTION_KEYS set.
 */
function loadOrCreateDevSecrets(dataDir: string, onNotice: (msg: string) => void): DevSecrets {
  const file = join(dataDir, 'dev-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  const secrets: DevSecrets = {
    JWT_SECRET: randomBytes(48).toString('base64url'),
    ENCRYPTION_KEYS: `dev1:${randomBytes(32).toString('base64')}`,
  };
  mkdirSync(dirname(file), { recursive: true });
  if (!createExclusively(file, JSON.stringify(secrets, null, 2))) {
    // Another process created it first: use its secrets, or the two would not understand each other.
    return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  }
  onNotice(
    `Generated development JWT_SECRET and ENCRYPTION_KEYS in ${file} (never used in production; ` +
      'several instances on more than one machine need the same JWT_SECRET and ENCRYPTION_KEYS set explicitly)',
  );
  return secrets;
}

/**
 * Creates `file` (mode 0600) with `content` unless it exists; false when it did. Written to a temporary
 * file first and then hard-linked into place, which is atomic: a concurrent reader never sees a
 * half-written file, and of two concurrent creators exactly one wins.
 */
export function createExclusively(file: string, content: string): boolean {
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}

/** Parses `limit/window`, e.g. `10/60`, `10/1m` or `0` (off). */
export function parseRateLimit(name: string, raw: string, problems: string[]): RateLimit {
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

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  onNotice: (msg: string) => void = () => undefined,
): AppConfig {
  const problems: string[] = [];
  const nodeEnv = env.NODE_ENV ?? 'development';
  const isProduction = nodeEnv === 'production';
  const dataDir = env.DATA_DIR ?? join(process.cwd(), '.data');

  const port = parsePort(env.PORT, 3000);
  if (port === undefined) problems.push('PORT must be an integer between 0 and 65535');
  const embeddedPostgresPort = parsePort(env.EMBEDDED_POSTGRES_PORT, 54329);
  if (embeddedPostgresPort === undefined || embeddedPostgresPort === 0)
    problems.push('EMBEDDED_POSTGRES_PORT must be an integer between 1 and 65535');
  const host = (env.HOST ?? '0.0.0.0').trim();
  if (!host) problems.push('HOST must not be empty (e.g. 0.0.0.0 or 127.0.0.1)');

  let jwtSecret = env.JWT_SECRET;
  let encryptionKeysRaw = env.ENCRYPTION_KEYS;
  if (isProduction) {
    if (!jwtSecret) problems.push('JWT_SECRET is required when NODE_ENV=production');
    if (!encryptionKeysRaw) problems.push('ENCRYPTION_KEYS is required when NODE_ENV=production');
  } else if (!jwtSecret || !encryptionKeysRaw) {
    const dev = loadOrCreateDevSecrets(dataDir, onNotice);
    jwtSecret ||= dev.JWT_SECRET;
    encryptionKeysRaw ||= dev.ENCRYPTION_KEYS;
  }
  const secretProblem = jwtSecret ? jwtSecretProblem(jwtSecret) : undefined;
  if (secretProblem) problems.push(secretProblem);
  const encryptionKeys = encryptionKeysRaw ? parseEncryptionKeys(encryptionKeysRaw, problems) : [];

  const jwtExpiresInSeconds = parseDurationSeconds(env.JWT_EXPIRES_IN ?? '1h');
  if (jwtExpiresInSeconds === undefined) problems.push('JWT_EXPIRES_IN must be a duration such as 3600, 60m or 1h');

  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL must be a postgres:// URL');
  // The embedded PostgreSQL is for development and tests: production data needs a real server.
  if (isProduction && !databaseUrl) problems.push('DATABASE_URL is required when NODE_ENV=production');
  const databasePoolSize = Number((env.DATABASE_POOL_SIZE ?? String(DEFAULT_DATABASE_POOL_SIZE)).trim());
  // At least 2: the webhook-setup lock holds one connection while the setup's queries use another.
  if (!Number.isInteger(databasePoolSize) || databasePoolSize < 2 || databasePoolSize > 1000)
    problems.push('DATABASE_POOL_SIZE must be an integer between 2 and 1000');
  const databaseDeadlines = parseDatabaseDeadlines(env, problems);

  const publicBaseUrl = (env.PUBLIC_BASE_URL ?? `http://localhost:${port ?? 3000}`).replace(/\/+$/, '');
  if (!isHttpUrl(publicBaseUrl)) problems.push('PUBLIC_BASE_URL must be an http(s) URL');
  const stripeApiBase = (env.STRIPE_API_BASE ?? 'https://api.stripe.com').replace(/\/+$/, '');
  if (!isHttpUrl(stripeApiBase)) problems.push('STRIPE_API_BASE must be an http(s) URL');
  const stripeTimeoutMs = Number(env.STRIPE_TIMEOUT_MS ?? 8000);
  if (!Number.isInteger(stripeTimeoutMs) || stripeTimeoutMs <= 0)
    problems.push('STRIPE_TIMEOUT_MS must be a positive integer');

  const logLevel = (env.LOG_LEVEL ?? 'info').trim().toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const corsOrigins = (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  for (const origin of corsOrigins) {
    if (!isHttpUrl(origin) || new URL(origin).origin !== origin)
      problems.push(`CORS_ORIGINS: "${origin}" is not an origin such as https://app.example.com`);
  }

  const rateLimits: RateLimits = {
    loginPerEmail: parseRateLimit('RATE_LIMIT_LOGIN', env.RATE_LIMIT_LOGIN ?? '10/60', problems),
    loginPerIp: parseRateLimit('RATE_LIMIT_LOGIN_IP', env.RATE_LIMIT_LOGIN_IP ?? '100/60', problems),
    registerPerIp: parseRateLimit('RATE_LIMIT_REGISTER', env.RATE_LIMIT_REGISTER ?? '30/10m', problems),
    stripeCalls: parseRateLimit('RATE_LIMIT_STRIPE', env.RATE_LIMIT_STRIPE ?? '30/60', problems),
  };

  const rateLimitStore = (env.RATE_LIMIT_STORE ?? 'postgres').trim().toLowerCase() as RateLimitStore;
  if (!RATE_LIMIT_STORES.includes(rateLimitStore))
    problems.push(`RATE_LIMIT_STORE must be one of ${RATE_LIMIT_STORES.join(', ')}`);

  const trustProxy = parseTrustProxy(env.TRUST_PROXY, problems);

  const shutdownTimeoutMs = Number(env.SHUTDOWN_TIMEOUT_MS ?? 10000);
  if (!Number.isInteger(shutdownTimeoutMs) || shutdownTimeoutMs <= 0)
    problems.push('SHUTDOWN_TIMEOUT_MS must be a positive integer');

  const healthCheck = parseHealthCheck(env, problems);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    nodeEnv,
    port: port as number,
    host,
    embeddedPostgresPort: embeddedPostgresPort as number,
    databaseUrl,
    databasePoolSize,
    databaseDeadlines,
    jwtSecret: jwtSecret as string,
    jwtExpiresInSeconds: jwtExpiresInSeconds as number,
    encryptionKeys,
    publicBaseUrl,
    stripeApiBase,
    stripeTimeoutMs,
    dataDir,
    logLevel,
    corsOrigins,
    rateLimits,
    rateLimitStore,
    trustProxy,
    shutdownTimeoutMs,
    healthCheck,
  };
}

/** HEALTH_CHECK_INTERVAL (`24h` by default, `1s`..., `0` or `off` to disable) and HEALTH_CHECK_RATE. */
function parseHealthCheck(env: NodeJS.ProcessEnv, problems: string[]): HealthCheckConfig {
  const rawInterval = (env.HEALTH_CHECK_INTERVAL ?? '24h').trim().toLowerCase();
  let intervalMs: number | null = null;
  if (rawInterval !== '0' && rawInterval !== 'off') {
    const seconds = parseDurationSeconds(rawInterval);
    if (seconds === undefined) {
      problems.push('HEALTH_CHECK_INTERVAL must be a duration such as 24h, 30m or 3600, or 0/off to disable');
    } else {
      intervalMs = seconds * 1000;
    }
  }
  const rawRate = (env.HEALTH_CHECK_RATE ?? '5').trim();
  const maxCallsPerSecond = Number(rawRate);
  if (!/^\d+$/.test(rawRate) || maxCallsPerSecond < 1 || maxCallsPerSecond > 100)
    problems.push('HEALTH_CHECK_RATE must be an integer between 1 and 100');
  return { intervalMs, maxCallsPerSecond };
}

/**
 * TRUST_PROXY: unset or `false` trusts no proxy (the client IP is the peer's address); a number is
 * the count of proxy hops in front of the service; otherwise a comma-separated list of the proxies'
 * addresses or CIDR ranges. `true` (trust any X-Forwarded-For) is refused: any client could then
 * pick its own IP and escape the per-IP login limit.
 */
function parseTrustProxy(raw: string | undefined, problems: string[]): boolean | number | string[] {
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

/** A TCP port written as plain digits; undefined when malformed or out of range. */
function parsePort(raw: string | undefined, fallback: number): number | undefined {
  if (raw === undefined) return fallback;
  const trimmed = raw.trim();
  if (!/^\d{1,5}$/.test(trimmed)) return undefined;
  const port = Number(trimmed);
  return port <= 65535 ? port : undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
