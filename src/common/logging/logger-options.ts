import { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { AppConfig } from '../../config/app-config';
import { CREDENTIAL_FIELDS } from '../../stripe-config/stripe-credential-fields';
import { DeepMaskOptions, maskSecretsDeep, maskSecretsInText } from '../masking/mask';
import { assignRequestId } from './request-id';

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
 * bodies are not logged at all; this is the second line of defence. The raw request/response objects
 * pino-http passes are left to the serializers below, which keep only safe fields (walking them cost
 * ~7% of the CPU of a GET config, and pino's wildcard `redact` paths another ~12%: docs/benchmarks.md).
 */
const LOG_MASKING: DeepMaskOptions = {
  censorKeys: new Set(
    [...SECRET_FIELDS, 'authorization', 'cookie', 'set-cookie', 'x-api-key'].map((key) => key.toLowerCase()),
  ),
  censor: '[Redacted]',
  skip: (value) => value instanceof IncomingMessage || value instanceof ServerResponse,
};

export const sanitizeLogObject = <T>(value: T): T => maskSecretsDeep(value, LOG_MASKING);

/**
 * nestjs-pino configuration: one JSON line per log entry; a request id on every line of a request;
 * secret-named fields censored and any Stripe key shape masked, in messages and objects;
 * 5xx logged as error, 4xx as warn.
 */
export function buildLoggerParams(config: AppConfig, destination?: DestinationStream): Params {
  return {
    pinoHttp: [
      {
        level: config.logLevel,
        genReqId: (req: IncomingMessage, res: ServerResponse) => assignRequestId(req, res),
        customLogLevel: (_req, res, error) => {
          if (error || res.statusCode >= 500) return 'error';
          if (res.statusCode >= 400) return 'warn';
          return 'info';
        },
        serializers: {
          // Only what helps to find a request again: no body, no query values beyond masking.
          req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
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
      },
      destination ?? process.stdout,
    ],
  } as Params;
}
