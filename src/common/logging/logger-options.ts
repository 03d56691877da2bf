import { IncomingMessage, ServerResponse } from 'node:http';
import type { LoggerOptions } from 'pino';
import type { AppConfig } from '../../config/app-config';
import { CREDENTIAL_FIELDS } from '../../stripe-config/stripe-credential-fields';
import { DeepMaskOptions, maskSecretsDeep, maskSecretsInText } from '../masking/mask';

/** Body fields that carry a secret, wherever they appear in a logged object. */
export const SECRET_FIELDS = [
  'password',
  'secret_key',
  'publishable_key',
  'webhook_secret',
  ...CREDENTIAL_FIELDS,
  'access_token',
  'token',
  'jwtSecret',
  'encryptionKeys',
];

/**
 * What every log line goes through, in one walk: values under secret-named keys (any depth, any case)
 * become `[Redacted]`, and any Stripe key shape left in a string is masked. Request and response
 * bodies are not logged at all; this is the second line of defence. Raw request/response objects
 * are never walked: only the fields the `req`/`res` serializers below keep are logged (walking them
 * cost ~7% of the CPU of a GET config, and pino's wildcard `redact` paths another ~12%: docs/benchmarks.md).
 */
const LOG_MASKING: DeepMaskOptions = {
  censorKeys: new Set(
    [...SECRET_FIELDS, 'authorization', 'cookie', 'set-cookie', 'x-api-key'].map((key) => key.toLowerCase()),
  ),
  censor: '[Redacted]',
  skip: (value) => value instanceof IncomingMessage || value instanceof ServerResponse,
};

export const sanitizeLogObject = <T>(value: T): T => maskSecretsDeep(value, LOG_MASKING);

/** The request fields of a log line (`req`), before the `req` serializer. */
export interface RequestLogFields {
  id: unknown;
  method: string;
  url: string;
  remoteAddress?: string;
}

/**
 * pino configuration of the one root logger (see LoggingModule): one JSON line per log entry;
 * secret-named fields censored and any Stripe key shape masked, in messages and objects.
 */
export function buildLoggerOptions(config: Pick<AppConfig, 'logLevel'>): LoggerOptions {
  return {
    level: config.logLevel,
    serializers: {
      // Only what helps to find a request again: no body, no query values beyond masking.
      req: (req: RequestLogFields) => ({
        id: req.id,
        method: req.method,
        url: maskSecretsInText(String(req.url ?? '')),
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    formatters: {
      // Whatever object ends up in a line (errors included) is sanitized.
      log: (object: Record<string, unknown>) => sanitizeLogObject(object),
    },
    hooks: {
      logMethod(args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? maskSecretsInText(arg) : arg)),
        );
      },
    },
  } as LoggerOptions;
}
