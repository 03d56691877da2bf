import { type ConfigOf, defineConfig, type Env, isProduction } from '../config/config-area';

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

export const DEFAULT_DATABASE_DEADLINES: Readonly<DatabaseDeadlines> = Object.freeze({
  connectTimeoutMs: 2000,
  statementTimeoutMs: 5000,
  lockTimeoutMs: 3000,
  idleInTransactionTimeoutMs: 15000,
  queryTimeoutMs: 6000,
  poolAcquireTimeoutMs: 10000,
  poolMaxWaiting: 1000,
});

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

/**
 * DATABASE_URL (required: `npm start` passes the URL of the embedded PostgreSQL it starts when the
 * variable is unset, see main.dev.ts), DATABASE_POOL_SIZE and the deadlines.
 */
export const databaseConfig = defineConfig('database', (env, problems) => {
  const url = env.DATABASE_URL ?? '';
  if (url && !/^postgres(ql)?:\/\//.test(url)) problems.push('DATABASE_URL must be a postgres:// URL');
  // The embedded PostgreSQL is for development and tests: production data needs a real server.
  if (!url)
    problems.push(
      isProduction(env)
        ? 'DATABASE_URL is required when NODE_ENV=production'
        : 'DATABASE_URL is required (`npm start` runs an embedded PostgreSQL when it is unset)',
    );
  const poolSize = Number((env.DATABASE_POOL_SIZE ?? String(DEFAULT_DATABASE_POOL_SIZE)).trim());
  // At least 2: the webhook-setup lock holds one connection while the setup's queries use another.
  if (!Number.isInteger(poolSize) || poolSize < 2 || poolSize > 1000)
    problems.push('DATABASE_POOL_SIZE must be an integer between 2 and 1000');
  /** `poolSize`: most connections this instance opens to PostgreSQL (the pool's `max`). */
  return { url, poolSize, deadlines: parseDatabaseDeadlines(env, problems) };
});
export type DatabaseConfig = ConfigOf<typeof databaseConfig>;

function parseDatabaseDeadlines(env: Env, problems: string[]): DatabaseDeadlines {
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
