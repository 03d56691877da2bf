import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiErrorResponses } from '../http/api-error-responses.decorator';
import { HTTPError } from '../http/error-response.dto';
import { WithRouteConfig } from '../http/route-config';
import { type DeveloperLimitKind, type DeveloperLimitRouteConfig, developerLimitDetail } from './developer-limits';
import { LOGIN_ACCOUNT_OF, RATE_LIMIT_GROUP, type RateLimitGroup } from './rate-limit.constants';
import { RateLimitGuard } from './rate-limit.guard';

function ApiTooManyRequests(description: string): MethodDecorator & ClassDecorator {
  return ApiResponse({
    status: 429,
    description,
    type: HTTPError,
    example: { detail: 'Too many requests. Retry after 60 seconds.' },
    headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } },
  });
}

function RateLimited(group: RateLimitGroup, description: string): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(RATE_LIMIT_GROUP, group),
    UseGuards(RateLimitGuard),
    ApiTooManyRequests(description),
  );
}

/**
 * Login attempts: limited per client IP and account (RATE_LIMIT_LOGIN) and per client IP
 * (RATE_LIMIT_LOGIN_IP). `accountOf` reads the account a request logs in to (the auth feature knows
 * how: JSON email or OAuth2 form username, normalised); the per-account counter is keyed on it.
 */
export const LoginRateLimit = (accountOf: (request: FastifyRequest) => string): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(LOGIN_ACCOUNT_OF, accountOf),
    RateLimited('login', 'Too many login attempts from this address or for this email'),
  );

/** Route config read by installDeveloperLimits: the operation's requests are counted per developer. */
const developerLimit = (kind: DeveloperLimitKind): MethodDecorator =>
  WithRouteConfig({ developerLimit: kind } satisfies DeveloperLimitRouteConfig);

const WRITES_IN_FLIGHT =
  'Too many writes of this developer in flight (DEVELOPER_MAX_CONCURRENT_WRITES, DEVELOPER_MAX_WRITE_BYTES_IN_FLIGHT), or its bytes per second used (DEVELOPER_BYTES_PER_SECOND, Retry-After says how long); counted before the body is read';

/**
 * A write (an operation that changes something): counted per developer when the request arrives,
 * before its body is read (DEVELOPER_MAX_CONCURRENT_WRITES, DEVELOPER_MAX_WRITE_BYTES_IN_FLIGHT,
 * DEVELOPER_BYTES_PER_SECOND; see developer-limits.ts): 429 with Retry-After over the limit. On a method only.
 */
export const DeveloperWriteLimit = (): MethodDecorator =>
  applyDecorators(
    developerLimit('write'),
    ApiErrorResponses({ status: 429, detail: developerLimitDetail('write'), description: WRITES_IN_FLIGHT }),
  );

/** A listing (a paginated list or an aggregate): counted per developer (DEVELOPER_MAX_CONCURRENT_LISTINGS). */
export const DeveloperListingLimit = (): MethodDecorator =>
  applyDecorators(
    developerLimit('listing'),
    ApiErrorResponses({
      status: 429,
      detail: developerLimitDetail('listing'),
      description: 'Too many listings of this developer in flight (DEVELOPER_MAX_CONCURRENT_LISTINGS)',
    }),
  );

/**
 * A read of one whole stored event: counted per developer (DEVELOPER_MAX_CONCURRENT_EVENT_READS); the
 * bytes served are charged by the handler (chargeDeveloperBytes, DEVELOPER_BYTES_PER_SECOND).
 */
export const DeveloperEventReadLimit = (): MethodDecorator =>
  applyDecorators(
    developerLimit('event-read'),
    ApiErrorResponses({
      status: 429,
      detail: developerLimitDetail('event-read'),
      description:
        'Too many event reads of this developer in flight (DEVELOPER_MAX_CONCURRENT_EVENT_READS), or its bytes per second used by its writes and the events served to it (DEVELOPER_BYTES_PER_SECOND, Retry-After says how long)',
    }),
  );

/**
 * Operations that call Stripe on the developer's behalf: limited per developer (RATE_LIMIT_STRIPE),
 * and writes (DeveloperWriteLimit). Put it on the route next to the other decorators; the global
 * bearer guard runs first, so the developer is known. On a method only.
 */
export const StripeCallRateLimit = (): MethodDecorator =>
  applyDecorators(
    developerLimit('write'),
    RateLimited(
      'stripe-calls',
      `Too many Stripe calls by this developer (RATE_LIMIT_STRIPE), or ${WRITES_IN_FLIGHT[0].toLowerCase()}${WRITES_IN_FLIGHT.slice(1)}`,
    ),
  );

/**
 * Sign-ups: limited per client IP (RATE_LIMIT_REGISTER) by SignUpRateLimiter, counted once the body
 * is valid (a malformed request costs nothing), before the password is hashed.
 */
export const SignUpRateLimitResponse = (): MethodDecorator & ClassDecorator =>
  ApiTooManyRequests('Too many sign-ups from this address');
