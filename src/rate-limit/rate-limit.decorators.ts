import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { HTTPError } from '../http/error-response.dto';
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

/**
 * Operations that call Stripe on the developer's behalf: limited per developer (RATE_LIMIT_STRIPE).
 * Put it on the route next to the other decorators; the global bearer guard runs first, so the
 * developer is known.
 */
export const StripeCallRateLimit = (): MethodDecorator & ClassDecorator =>
  RateLimited('stripe-calls', 'Too many Stripe calls by this developer');

/**
 * Sign-ups: limited per client IP (RATE_LIMIT_REGISTER) by SignUpRateLimiter, counted once the body
 * is valid (a malformed request costs nothing), before the password is hashed.
 */
export const SignUpRateLimitResponse = (): MethodDecorator & ClassDecorator =>
  ApiTooManyRequests('Too many sign-ups from this address');
