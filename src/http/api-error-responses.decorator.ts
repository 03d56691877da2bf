import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { DATABASE_UNAVAILABLE_DETAIL } from '../database/database-unavailable';
import { HTTPError, HTTPValidationError } from './error-response.dto';
import type { ValidationIssue } from './unprocessable-entity.error';
import { JSON_MEDIA_TYPE, unsupportedMediaTypeDetail } from './request-body';

const DESCRIPTIONS: Record<number, string> = {
  401: 'Missing, malformed, badly signed or expired bearer token',
  403: "The token is not a developer's, or the developer does not own the project",
  404: 'Project (or configuration) not found',
  409: 'Conflict with the current state',
  412: 'If-Match does not match the current version',
  413: 'Request body larger than 64 KiB, or a JSON body holding more than 1,000 values (object keys included)',
  415: 'Content-Type is not the one the operation takes (or is missing), or the body is compressed or in an unsupported charset',
  422: 'Validation Error',
  429: 'Too many requests',
  502: 'Stripe could not be reached',
  503: 'Service unavailable: the database cannot be reached, did not answer in time (statement, lock or connection deadline), or the service is busy (too many requests waiting for a database connection or a password hash, or too much data being received or served at once). Retry after `Retry-After` seconds.',
  504: 'Stripe did not answer in time',
};

const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' as const } },
};

/**
 * The example body of each status: a real answer of the service (the message it sends), so that
 * Swagger UI and generated docs show what a client will actually get.
 */
const DEFAULT_DETAILS: Record<number, string> = {
  401: 'Not authenticated',
  403: 'Not authorized to access this project',
  404: 'Project not found',
  409: 'The project is inactive: nothing can be added to or changed in it',
  412: 'Precondition failed: the configuration is at version 7 (ETag "7"); reload it and retry',
  413: 'Request body too large',
  415: unsupportedMediaTypeDetail([JSON_MEDIA_TYPE], 'text/plain'),
  429: 'Too many requests. Retry after 60 seconds.',
  502: 'Could not reach Stripe',
  503: DATABASE_UNAVAILABLE_DETAIL,
  504: 'Stripe did not answer within 8000 ms',
};

/** The 422 of an operation without a body: a malformed project id in the path. */
const PATH_ISSUE: ValidationIssue = {
  loc: ['path', 'project_id'],
  msg: 'Input should be a valid UUID',
  type: 'uuid_parsing',
};

/**
 * An operation's own example for one status: `{status, detail}`, or `{status: 422, issue}`; with
 * `description` when the default one does not say it (a status without a default must have one).
 */
export type ErrorExample = ({ status: number; detail: string } | { status: 422; issue: ValidationIssue }) & {
  description?: string;
};

function exampleBody(status: number, own: ErrorExample | undefined): { detail: unknown } {
  if (own && 'issue' in own) return { detail: [own.issue] };
  if (own) return { detail: own.detail };
  if (status === 422) return { detail: [PATH_ISSUE] };
  const detail = DEFAULT_DETAILS[status];
  if (!detail) throw new Error(`ApiErrorResponses: status ${status} needs an example of its own`);
  return { detail };
}

/**
 * Documents the error responses an operation can give, each with its body schema and a true example.
 * A status given as a number gets the default example above (a 422: the malformed path id); an
 * operation whose answer differs passes its own (`{status: 422, issue}` for a body error), and a
 * feature's own kind of error (e.g. a 400) is passed as an ErrorExample that feature exports.
 */
export function ApiErrorResponses(...entries: (number | ErrorExample)[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...entries.map((entry) => {
      const status = typeof entry === 'number' ? entry : entry.status;
      const own = typeof entry === 'number' ? undefined : entry.description;
      return ApiResponse({
        status,
        description: own ?? DESCRIPTIONS[status] ?? 'Error',
        type: status === 422 ? HTTPValidationError : HTTPError,
        example: exampleBody(status, typeof entry === 'number' ? undefined : entry),
        ...(status === 503 || status === 429 ? { headers: RETRY_AFTER } : {}),
      });
    }),
  );
}
