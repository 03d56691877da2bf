import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { AppConfig } from '../../config/app-config';
import { CREDENTIAL_FIELDS } from '../../stripe-config/stripe-credential-fields';
import { maskSecretsDeep, maskSecretsInText } from '../masking/mask';
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
 * pino redaction paths: the headers that carry credentials, and every secret field at the top level
 * and up to three levels deep (pino paths have no recursive wildcard). Request and response bodies
 * are not logged at all; this is the second line of defence.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`, `*.*.*.${field}`]),
];

/**
 * nestjs-pino configuration: one JSON line per log entry; a request id on every line of a request;
 * credential headers and fields redacted; any Stripe key shape masked in messages and objects;
 * 5xx logged as error, 4xx as warn.
 */
export function buildLoggerParams(config: AppConfig, destination?: DestinationStream): Params {
  return {
    pinoHttp: [
      {
        level: config.logLevel,
        genReqId: (req: IncomingMessage, res: ServerResponse) => assignRequestId(req, res),
        redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
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
          // Whatever object ends up in a line (errors included) has its Stripe key shapes masked.
          log: (object: Record<string, unknown>) => maskSecretsDeep(object),
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
