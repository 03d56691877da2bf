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
 * TypeORM releases a transaction's query runner when its connection breaks; the transaction's next
 * statement then fails with this error instead of a driver one.
 */
const UNAVAILABLE_ERROR_NAMES = new Set(['QueryRunnerAlreadyReleasedError', 'ConnectionIsNotSetError']);

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

export const DATABASE_UNAVAILABLE_DETAIL =
  'Service temporarily unavailable: the database cannot be reached. Retry later.';
