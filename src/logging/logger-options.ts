import { IncomingMessage, ServerResponse } from 'node:http';
import type { LoggerOptions } from 'pino';
import { DeepMaskOptions, maskSecretsDeep, maskSecretsInText } from '../stripe/key-masking';
import type { LoggingConfig } from './logging.config';

/**
 * Body fields that carry a secret, wherever they appear in a logged object. Features add their own
 * (the Stripe credential fields: see AppModule and LoggingModule.forRoot).
 */
export const SECRET_FIELDS = [
  'password',
  'secret_key',
  'publishable_key',
  'webhook_secret',
  'access_token',
  'token',
  'jwtSecret',
  'encryptionKeys',
];

/**
 * What every log line goes through, in one walk: values under secret-named keys (any depth, any case)
 * become `[Redacted]`, and any Stripe key shape left in a string is masked. Request and response
 * bodies are not logged at all; this is the second line of defence. Raw request/response objects
 * are never walked: only the fields the `req`/`res` serializers below keep are logged (walking them,
 * or pino's wildcard `redact` paths, would cost a visible share of each request's CPU: docs/benchmarks.md).
 */
function logMasking(secretFields: readonly string[]): DeepMaskOptions {
  return {
    censorKeys: new Set(
      [...SECRET_FIELDS, ...secretFields, 'authorization', 'cookie', 'set-cookie', 'x-api-key'].map((key) =>
        key.toLowerCase(),
      ),
    ),
    censor: '[Redacted]',
    skip: (value) => value instanceof IncomingMessage || value instanceof ServerResponse,
  };
}

/** What the `log` formatter does to each line's object; `secretFields` are censored besides SECRET_FIELDS. */
function logSanitizer(secretFields: readonly string[] = []): <T>(value: T) => T {
  const options = logMasking(secretFields);
  return <T>(value: T): T => maskSecretsDeep(value, options);
}

export const sanitizeLogObject = logSanitizer();

/** Query parameters whose value is a credential by their name (access_token, api_key, client_secret, password, sig...). */
const SECRET_PARAM_NAME = /token|key|secret|passw|pwd|signature|^sig$|credential|auth|session/i;
/** A JWT (header.payload.signature, base64url; the header always starts `{"` = `eyJ`). */
const JWT = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
const REDACTED = '[Redacted]';

function decodeQueryPart(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}

/**
 * A request URL as it may be logged: the value of every query parameter named like a credential, and
 * any value shaped like a JWT, becomes `[Redacted]` (a token given as `?access_token=` is a bearer
 * token like the header's); Stripe key shapes anywhere are masked; JWTs in the path are redacted.
 */
export function sanitizeUrlForLog(url: string): string {
  // Fast path, the common case: no query, no JWT and no `_` (every Stripe key shape has one).
  if (!url.includes('?') && !url.includes('_') && !url.includes('eyJ')) return url;
  const start = url.indexOf('?');
  const path = start < 0 ? url : url.slice(0, start);
  const query =
    start < 0
      ? ''
      : `?${url
          .slice(start + 1)
          .split('&')
          .map((pair) => {
            const eq = pair.indexOf('=');
            if (eq < 0) return pair;
            const name = decodeQueryPart(pair.slice(0, eq));
            const value = decodeQueryPart(pair.slice(eq + 1));
            JWT.lastIndex = 0;
            return SECRET_PARAM_NAME.test(name) || JWT.test(value) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
          })
          .join('&')}`;
  return maskSecretsInText(`${path}${query}`.replace(JWT, REDACTED));
}

/** The request fields of a log line (`req`), before the `req` serializer. */
export interface RequestLogFields {
  id: unknown;
  method: string;
  url: string;
  remoteAddress?: string;
}

/**
 * The `req` of a log line as it may be written: the two fields a client chooses sanitized (the URL by
 * sanitizeUrlForLog; a request id, a plain token, may still look like a Stripe key). The root logger's
 * `req` serializer and the request line (logRequestCompleted, whose logger walks nothing) both use it.
 */
export function sanitizeRequestLogFields(req: RequestLogFields): RequestLogFields {
  return {
    id: typeof req.id === 'string' ? maskSecretsInText(req.id) : req.id,
    method: req.method,
    url: sanitizeUrlForLog(String(req.url ?? '')),
    remoteAddress: req.remoteAddress,
  };
}

/**
 * pino configuration of the request-line logger (REQUEST_LOGGER): no serializers, no hook and no
 * formatter walk. It writes only the line logRequestCompleted builds from fields it has already
 * sanitized (URL, request id) or that cannot carry text (status, time, method, address), so the
 * request path pays for no walk of the line (docs/benchmarks.md).
 */
export function buildRequestLoggerOptions(config: LoggingConfig): LoggerOptions {
  return { level: config.level };
}

/**
 * pino configuration of the one root logger (see LoggingModule): one JSON line per log entry;
 * secret-named fields censored and any Stripe key shape masked, in messages and objects.
 */
export function buildLoggerOptions(config: LoggingConfig, secretFields: readonly string[] = []): LoggerOptions {
  const sanitize = logSanitizer(secretFields);
  return {
    level: config.level,
    serializers: {
      // Only what helps to find a request again: no body, no credential from the query string.
      req: sanitizeRequestLogFields,
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    formatters: {
      // Whatever object ends up in a line (errors included) is sanitized.
      log: (object: Record<string, unknown>) => sanitize(object),
    },
    hooks: {
      logMethod(args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? maskSecretsInText(arg).replace(JWT, REDACTED) : arg)),
        );
      },
    },
  } as LoggerOptions;
}
