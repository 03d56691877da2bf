/**
 * Recognises the errors pg and TypeORM raise when PostgreSQL cannot be reached, is shutting down, or
 * the pool cannot hand out a connection in time. Those become 503 `{"detail"}`: the request may be
 * retried later, and nothing of the driver's message (hosts, ports, queries) reaches the caller.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);

/** SQLSTATE classes/codes meaning "the server is not available": 08 connection exception, 57P0x shutdown, 53300 too many connections. */
function isUnavailableSqlState(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300';
}

const UNAVAILABLE_MESSAGES = [
  'timeout exceeded when trying to connect',
  'connection terminated',
  'connection ended unexpectedly',
  'client has encountered a connection error',
  'cannot use a pool after calling end',
  'client was closed and is not queryable',
  'connection is not established',
  'driver not connected',
];

/**
 * TypeORM releases a transaction's query runner when its connection breaks (emits 'error'); the
 * transaction's next statement then fails with one of the first two instead of a driver error.
 */
const UNAVAILABLE_ERROR_NAMES = new Set([
  'QueryRunnerAlreadyReleasedError',
  'QueryRunnerProviderAlreadyReleasedError',
  'ConnectionIsNotSetError',
]);

/**
 * The pool had no connection to give in time, or too many requests were already waiting for one
 * (src/database/deadline-pool.ts). The database may be fine: the service is busy.
 */
export class DatabaseBusyError extends Error {
  override readonly name = 'DatabaseBusyError';
}

/**
 * A deadline of the database passed: statement_timeout (57014), lock_timeout (55P03) or the client's
 * own query deadline (pg's "Query read timeout").
 */
function isDeadlineError(error: { code?: unknown; message?: unknown }): boolean {
  return error.code === '57014' || error.code === '55P03' || error.message === 'Query read timeout';
}

/** Whether `error`, or an error it wraps (TypeORM's driverError, `cause`), satisfies `test`. */
function inChain(error: unknown, test: (e: { code?: unknown; message?: unknown }) => boolean, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  if (test(error as { code?: unknown; message?: unknown })) return true;
  const e = error as { driverError?: unknown; cause?: unknown };
  return inChain(e.driverError, test, depth + 1) || inChain(e.cause, test, depth + 1);
}

/** Why a database operation failed, when it is not the request's fault; undefined for anything else. */
export type DatabaseFailure = 'busy' | 'timeout' | 'unavailable';

export function classifyDatabaseFailure(error: unknown): DatabaseFailure | undefined {
  if (inChain(error, (e) => e instanceof DatabaseBusyError)) return 'busy';
  if (inChain(error, isDeadlineError)) return 'timeout';
  if (isDatabaseUnavailableError(error)) return 'unavailable';
  return undefined;
}

/** The 503 of each failure: its `detail` and `Retry-After` (seconds). */
export const DATABASE_FAILURE_RESPONSES: Record<DatabaseFailure, { detail: string; retryAfterSeconds: number }> = {
  busy: { detail: 'The service is busy, retry later.', retryAfterSeconds: 1 },
  timeout: {
    detail: 'Service temporarily unavailable: the database did not answer in time. Retry later.',
    retryAfterSeconds: 2,
  },
  unavailable: {
    detail: 'Service temporarily unavailable: the database cannot be reached. Retry later.',
    retryAfterSeconds: 5,
  },
};

export function isDatabaseUnavailableError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const e = error as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof e.name === 'string' && UNAVAILABLE_ERROR_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || isUnavailableSqlState(e.code))) return true;
  if (typeof e.message === 'string') {
    const message = e.message.toLowerCase();
    if (UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return true;
  }
  // AggregateError (e.g. ECONNREFUSED on both ::1 and 127.0.0.1), TypeORM's wrapped driver error, `cause`.
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailableError(inner, depth + 1))) return true;
  return isDatabaseUnavailableError(e.driverError, depth + 1) || isDatabaseUnavailableError(e.cause, depth + 1);
}

export const DATABASE_UNAVAILABLE_DETAIL = DATABASE_FAILURE_RESPONSES.unavailable.detail;
