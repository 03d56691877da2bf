import * as pg from 'pg';
import type { DatabaseDeadlines } from './database.config';
import { DatabaseBusyError } from './database-unavailable';

type Callback = (error: Error | undefined, ...rest: unknown[]) => void;

/** What pg-pool answers when a request waited `connectionTimeoutMillis` for a connection of a full pool. */
const POOL_WAIT_TIMEOUT = 'timeout exceeded when trying to connect';
/** What pg answers when a statement got no answer within `query_timeout`. */
const READ_TIMEOUT = 'Query read timeout';
/** What pg answers when opening a connection took longer than the client's `connectionTimeoutMillis`. */
const CONNECT_TIMEOUT = 'timeout expired';

/**
 * A connection whose statement went unanswered is closed: pg keeps waiting for that answer and would
 * queue every later statement of the connection behind it, and its pool would hand it out again.
 */
function closeOnReadTimeout(client: pg.Client): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const onError = (error: unknown) => {
    if ((error as Error | undefined)?.message === READ_TIMEOUT) client.connection?.stream?.destroy();
  };
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (error: Error | undefined, ...rest: unknown[]) => {
        onError(error);
        (last as Callback)(error, ...rest);
      };
      return query(...args);
    }
    const result = query(...args);
    if (result instanceof Promise)
      return result.catch((error: unknown) => {
        onError(error);
        throw error;
      });
    return result;
  };
}

/** The errors of pool.connect, in the terms the API answers with (see database/database-unavailable.ts). */
function translateConnectError(error: Error): Error {
  if (error.message === POOL_WAIT_TIMEOUT) return new DatabaseBusyError('waited too long for a pool connection');
  if (error.message === CONNECT_TIMEOUT)
    return Object.assign(new Error('The database did not accept the connection in time'), {
      code: 'ETIMEDOUT',
      cause: error,
    });
  return error;
}

/**
 * pg's module with a Pool that puts a deadline on every database operation; given to TypeORM as its
 * `driver`, so that repositories, transactions and SqlClient (same pool) all get them:
 *
 * - per connection, PostgreSQL's own statement_timeout, lock_timeout and idle_in_transaction_session_timeout;
 * - client side, `query_timeout` (a server that stopped answering never cancels anything), after which
 *   the connection is closed (closeOnReadTimeout);
 * - opening a connection: `connectTimeoutMs`;
 * - waiting for a connection while all are busy: `poolAcquireTimeoutMs`, and at most `poolMaxWaiting`
 *   waiters; both refusals are DatabaseBusyError ("the service is busy"), not "the database cannot be
 *   reached": a full pool says nothing about the database.
 *
 * Every connection also has an 'error' listener of its own, so that a database restart never ends the
 * process (the pool itself has TypeORM's listener).
 */
export function deadlineDriver(deadlines: DatabaseDeadlines): typeof pg {
  class DeadlineClient extends pg.Client {
    constructor(config: pg.ClientConfig = {}) {
      super({ ...config, connectionTimeoutMillis: deadlines.connectTimeoutMs });
      closeOnReadTimeout(this);
      // pg emits 'error' on a client whose connection broke (the server restarted or went away) when
      // no statement of it is running, e.g. while a request holds it between statements, or when the
      // server's "terminating connection" arrives in the same packet as the last statement's answer.
      // Without a listener that event ends the process. The connection is already marked unusable
      // (pg sets `_queryable = false`), so the pool drops it on release, and whoever holds it sees its
      // next statement fail (503): nothing else is to be done here.
      this.on('error', () => undefined);
    }
  }

  class DeadlinePool extends pg.Pool {
    constructor(config: pg.PoolConfig) {
      super({
        ...config,
        Client: DeadlineClient,
        // pg-pool uses this for waiting in its queue; DeadlineClient bounds opening a connection.
        connectionTimeoutMillis: deadlines.poolAcquireTimeoutMs,
        statement_timeout: deadlines.statementTimeoutMs,
        lock_timeout: deadlines.lockTimeoutMs,
        idle_in_transaction_session_timeout: deadlines.idleInTransactionTimeoutMs,
        query_timeout: deadlines.queryTimeoutMs,
      });
      const connect = this.connect.bind(this) as (callback?: Callback) => Promise<unknown> | undefined;
      (this as unknown as { connect: (callback?: Callback) => unknown }).connect = (callback?: Callback) => {
        const full = this.idleCount === 0 && this.totalCount >= (this.options.max ?? 10);
        if (full && this.waitingCount >= deadlines.poolMaxWaiting) {
          const busy = new DatabaseBusyError('too many requests waiting for a pool connection');
          if (!callback) return Promise.reject(busy);
          process.nextTick(() => callback(busy));
          return undefined;
        }
        if (callback)
          return connect((error, ...rest) => callback(error ? translateConnectError(error) : error, ...rest));
        return connect()!.catch((error: Error) => {
          throw translateConnectError(error);
        });
      };
    }
  }

  return { ...pg, Client: DeadlineClient, Pool: DeadlinePool } as typeof pg;
}
