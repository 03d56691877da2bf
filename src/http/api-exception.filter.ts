import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { classifyDatabaseFailure, DATABASE_FAILURE_RESPONSES } from '../database/database-unavailable';
import { RetryLaterException } from './retry-later.exception';
import { UnprocessableEntityError } from './unprocessable-entity.error';
import { requestLogFields } from '../logging/app-logger';
import { maskSecretsDeep, maskSecretsInText } from '../stripe/key-masking';

/** A body-parser, Fastify or other low-level error that carries an HTTP status of its own. */
interface StatusError {
  status?: number;
  statusCode?: number;
  type?: string;
  message?: string;
}

const DEFAULT_DETAILS: Record<number, string> = {
  400: 'Bad request',
  401: 'Not authenticated',
  403: 'Not authorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Request body too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
  500: 'Internal Server Error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
};

/** Fastify's router refuses a path that is not valid percent-encoding (`%E0%A4%A`). */
function isUndecodableParam(exception: unknown): boolean {
  return (exception as { code?: unknown } | null)?.code === 'FST_ERR_BAD_URL';
}

/** A path parameter as the 422 names it; `uuid`: refused as the reference refuses a malformed UUID. */
export interface PathParameter {
  name: string;
  uuid?: boolean;
}

/**
 * Which path parameters follow a literal path segment: `{ projects: [{ name: 'project_id', uuid: true }] }`
 * says the segment after `projects/` is a project_id. Features declare theirs; the composition root
 * hands the union to the adapter (HttpWireModule.createAdapter).
 */
export type PathParameterNames = Readonly<Record<string, readonly PathParameter[]>>;

/**
 * The 422 for a path parameter that cannot even be decoded, named like the reference names a
 * malformed one: the parameter the nearest literal segment before it declares (see PathParameterNames).
 */
export function undecodableParamResponse(
  path: string,
  parameters: PathParameterNames = {},
): { status: number; body: { detail: unknown } } {
  const segments = path.split('?')[0].split('/');
  const index = segments.findIndex((segment) => {
    try {
      decodeURIComponent(segment);
      return false;
    } catch {
      return true;
    }
  });
  let parameter: PathParameter | undefined;
  for (let distance = 1; distance <= index && !parameter; distance++) {
    const following = Object.hasOwn(parameters, segments[index - distance])
      ? parameters[segments[index - distance]]
      : undefined;
    parameter = following?.[distance - 1];
  }
  if (parameter?.uuid) {
    const invalid = UnprocessableEntityError.invalidUuid(['path', parameter.name]);
    return { status: invalid.getStatus(), body: invalid.getResponse() as { detail: unknown } };
  }
  const loc = parameter ? ['path', parameter.name] : ['path'];
  return { status: 422, body: { detail: [{ loc, msg: 'Invalid percent-encoding in the path', type: 'value_error' }] } };
}

/** Maps any thrown value to the status and `{"detail": ...}` body the reference API uses. */
export function toErrorResponse(exception: unknown, requestPath = ''): { status: number; body: { detail: unknown } } {
  if (isUndecodableParam(exception)) return undecodableParamResponse(requestPath);
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    if (typeof response === 'object' && response !== null && 'detail' in response) {
      return { status, body: { detail: (response as { detail: unknown }).detail } };
    }
    const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    const detail = Array.isArray(message)
      ? message.join('; ')
      : typeof message === 'string'
        ? message
        : DEFAULT_DETAILS[status];
    return { status, body: { detail: detail ?? HttpStatus[status] ?? 'Error' } };
  }
  const statusError = exception as StatusError;
  const status = statusError?.status ?? statusError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // body-parser: malformed JSON is a validation error in the reference API's terms.
    if (statusError.type === 'entity.parse.failed') {
      return { status: 422, body: { detail: [{ loc: ['body'], msg: 'JSON decode error', type: 'json_invalid' }] } };
    }
    if (statusError.type === 'entity.too.large') return { status: 413, body: { detail: DEFAULT_DETAILS[413] } };
    if (statusError.type === 'encoding.unsupported' || statusError.type === 'charset.unsupported') {
      return { status: 415, body: { detail: 'Unsupported content encoding or charset' } };
    }
    return { status, body: { detail: DEFAULT_DETAILS[status] ?? 'Bad request' } };
  }
  const databaseFailure = classifyDatabaseFailure(exception);
  if (databaseFailure) return { status: 503, body: { detail: DATABASE_FAILURE_RESPONSES[databaseFailure].detail } };
  return { status: 500, body: { detail: DEFAULT_DETAILS[500] } };
}

/**
 * The one place errors become HTTP responses: `{"detail": ...}` bodies, `WWW-Authenticate` on 401,
 * and every Stripe credential in the body masked (error messages can echo user input).
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const { status, body } = toErrorResponse(exception, request?.url ?? '');
    // The lines below carry the request (`req.id` = X-Request-Id): request-scoped log context where the
    // request is at hand, instead of an AsyncLocalStorage paid on every request (docs/benchmarks.md).
    const databaseFailure = exception instanceof HttpException ? undefined : classifyDatabaseFailure(exception);
    if (exception instanceof HttpException && status === 503) {
      // A deliberate 503 (e.g. the database health check): the response says it all.
    } else if (databaseFailure) {
      // Expected while the database is down or busy: one short line, not a stack per request.
      const error = exception as { code?: unknown; message?: unknown };
      this.logger.warn({
        msg: maskSecretsInText(`Database ${databaseFailure} (${String(error.code ?? '')}): ${String(error.message)}`),
        req: request && requestLogFields(request),
      });
    } else if (status >= 500) {
      const error = exception instanceof Error ? exception : new Error(String(exception));
      // Log the stack only (masked): SDK/driver error objects can hold request data.
      this.logger.error({
        msg: maskSecretsInText(`${error.name}: ${error.message}\n${error.stack ?? ''}`),
        req: request && requestLogFields(request),
      });
    }
    if (response.sent) return;
    if (status === 401) response.header('WWW-Authenticate', 'Bearer');
    if (databaseFailure && !response.getHeader('Retry-After'))
      response.header('Retry-After', String(DATABASE_FAILURE_RESPONSES[databaseFailure].retryAfterSeconds));
    if (exception instanceof RetryLaterException) response.header('Retry-After', String(exception.retryAfterSeconds));
    if (status === 503 && !response.getHeader('Retry-After')) response.header('Retry-After', '5');
    // Every 429 says when to retry: the rate limiter sets its own; Stripe rate-limiting us gets 1 s.
    if (status === 429 && !response.getHeader('Retry-After')) response.header('Retry-After', '1');
    response.status(status).send(maskSecretsDeep(body));
  }
}
