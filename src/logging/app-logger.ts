import type { LoggerService } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Level, Logger as PinoLogger } from 'pino';
import { sanitizeRequestLogFields, type RequestLogFields } from './logger-options';

/** The injection token of the root pino logger. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');
/** The injection token of the pino logger of the request lines (see buildRequestLoggerOptions). */
export const REQUEST_LOGGER = Symbol('REQUEST_LOGGER');

/**
 * Nest's logs (`new Logger('Context').log(...)`, the framework's own) as pino lines: the context
 * in `context`, an Error in `err`, the stack Nest's exception handlers pass as a second string in
 * `err.stack`. The same call contract and line shape as nestjs-pino's `Logger`.
 */
export class AppLogger implements LoggerService {
  constructor(private readonly pino: PinoLogger) {}

  verbose(message: unknown, ...params: unknown[]): void {
    this.call('trace', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.call('debug', message, params);
  }
  log(message: unknown, ...params: unknown[]): void {
    this.call('info', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.call('warn', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.call('error', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.call('fatal', message, params);
  }

  private call(level: Level, message: unknown, params: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const object: Record<string, unknown> = {};
    // Nest passes the context last; an instance logger without a stack passes `undefined` before it.
    if (params.length > 0) object.context = params[params.length - 1];
    const rest = params.slice(0, -1).filter((p) => p !== undefined);
    if (typeof message === 'object' && message !== null) {
      if (message instanceof Error) object.err = message;
      else Object.assign(object, message);
      this.pino[level](object, ...(rest as []));
    } else if (level === 'error' && typeof message === 'string' && rest.length === 1 && isStack(rest[0])) {
      const err = new Error(message);
      err.stack = rest[0] as string;
      object.err = err;
      this.pino[level](object);
    } else {
      this.pino[level](object, String(message), ...(rest as []));
    }
  }
}

const isStack = (value: unknown) => typeof value === 'string' && /\n\s*at /.test(value);

/** The `req` of a log line for this request (what the `req` serializer keeps). */
export function requestLogFields(request: FastifyRequest): RequestLogFields {
  return {
    id: request.id,
    method: request.method,
    url: request.raw.url ?? '',
    remoteAddress: request.raw.socket?.remoteAddress,
  };
}

/**
 * One line per request, written when the response has been sent (Fastify's `onResponse`): `req`,
 * `res.statusCode`, `responseTime` (ms) and "request completed"; 5xx at error level, 4xx at warn.
 * The line pino-http wrote, without its per-request middleware, child logger and AsyncLocalStorage
 * (those, and the async hooks they switched on, cost far more CPU than this hook: docs/benchmarks.md). `pino` is REQUEST_LOGGER, which does not walk the line: the
 * two fields a client chooses, the URL and the request id, are sanitized here (sanitizeRequestLogFields).
 */
export function logRequestCompleted(pino: PinoLogger, request: FastifyRequest, reply: FastifyReply): void {
  const statusCode = reply.statusCode;
  const level: Level = statusCode >= 500 ? 'error' : statusCode >= 400 ? 'warn' : 'info';
  if (!pino.isLevelEnabled(level)) return;
  const req = sanitizeRequestLogFields(requestLogFields(request));
  pino[level]({ req, res: { statusCode }, responseTime: Math.round(reply.elapsedTime) }, 'request completed');
}
