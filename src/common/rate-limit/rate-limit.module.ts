import { DynamicModule, Module } from '@nestjs/common';
import { ThrottlerModule, type ThrottlerOptions, type ThrottlerStorage } from '@nestjs/throttler';
import type { ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedUser } from '../../auth/authenticated-user';
import type { AppConfig, RateLimit } from '../../config/app-config';
import {
  LOGIN_PER_EMAIL,
  LOGIN_PER_IP,
  RATE_LIMIT_GROUP,
  STRIPE_CALLS,
  type RateLimitGroup,
} from './rate-limit.constants';
import { RateLimitGuard } from './rate-limit.guard';

type RequestWithUser = FastifyRequest & { user?: AuthenticatedUser };

function groupOf(context: ExecutionContext): RateLimitGroup | undefined {
  return (
    Reflect.getMetadata(RATE_LIMIT_GROUP, context.getHandler()) ??
    Reflect.getMetadata(RATE_LIMIT_GROUP, context.getClass())
  );
}

function clientIp(req: FastifyRequest): string {
  return req.ip ?? req.socket?.remoteAddress ?? 'unknown';
}

/** The email a login attempt is for, from JSON `email` or the OAuth2 form's `username`. */
function loginEmail(req: FastifyRequest): string {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const email = body.email ?? body.username;
  return typeof email === 'string' ? email.trim().toLowerCase().slice(0, 320) : '';
}

function throttler(
  name: string,
  limit: RateLimit,
  group: RateLimitGroup,
  tracker: (req: RequestWithUser) => string,
): ThrottlerOptions {
  return {
    name,
    limit: limit.limit,
    ttl: limit.ttlSeconds * 1000,
    // A limit of 0 switches that throttler off; otherwise it applies to its group's routes only.
    skipIf: (context) => limit.limit === 0 || groupOf(context) !== group,
    getTracker: (req) => tracker(req as RequestWithUser),
    setHeaders: false,
  };
}

/**
 * Rate limits (@nestjs/throttler). Counters live in the ThrottlerStorage given to forRoot: by
 * default the library's in-memory store (one per instance). Several instances share limits by
 * passing a shared store (any ThrottlerStorage, e.g. a Redis one) — see the README.
 */
@Module({})
export class RateLimitModule {
  static forRoot(config: AppConfig, storage?: ThrottlerStorage): DynamicModule {
    const limits = config.rateLimits;
    return {
      module: RateLimitModule,
      imports: [
        ThrottlerModule.forRoot({
          storage,
          throttlers: [
            throttler(LOGIN_PER_EMAIL, limits.loginPerEmail, 'login', (req) => `${clientIp(req)}|${loginEmail(req)}`),
            throttler(LOGIN_PER_IP, limits.loginPerIp, 'login', clientIp),
            throttler(STRIPE_CALLS, limits.stripeCalls, 'stripe-calls', (req) => {
              const user = req.user;
              return user ? `user:${user.id}` : `ip:${clientIp(req)}`;
            }),
          ],
        }),
      ],
      providers: [RateLimitGuard],
      exports: [RateLimitGuard],
    };
  }
}
