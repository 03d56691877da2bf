import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { HTTPError, HTTPValidationError } from '../errors/error-response.dto';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Bad request',
  401: 'Missing, malformed, badly signed or expired bearer token',
  403: "The token is not a developer's, or the developer does not own the project",
  404: 'Project (or configuration) not found',
  409: 'Conflict with the current state',
  412: 'If-Match does not match the current version',
  413: 'Request body larger than 64 KiB',
  415: 'Unsupported Content-Encoding (compressed bodies are refused) or charset',
  422: 'Validation Error',
  429: 'Too many requests',
  502: 'Stripe could not be reached',
  503: 'Service unavailable: the database cannot be reached, did not answer in time (statement, lock or connection deadline), or the service is busy (too many requests waiting for a database connection or a password hash). Retry after `Retry-After` seconds.',
  504: 'Stripe did not answer in time',
};

const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' as const } },
};

/** Documents the error responses an operation can give, each with its body schema. */
export function ApiErrorResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error',
        type: status === 422 ? HTTPValidationError : HTTPError,
        ...(status === 503 ? { headers: RETRY_AFTER } : {}),
      }),
    ),
  );
}
