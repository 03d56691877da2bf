import { DynamicModule, Module } from '@nestjs/common';
import { ThrottlerModule, type ThrottlerOptions, type ThrottlerStorage } from '@nestjs/throttler';
import type { ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import {
  LOGIN_ACCOUNT_OF,
  LOGIN_PER_EMAIL,
  LOGIN_PER_IP,
  RATE_LIMIT_GROUP,
  STRIPE_CALLS,
  type RateLimitGroup,
} from './rate-limit.constants';
import { clientIpOf } from '../http/request-context';
import { PostgresThrottlerStorage } from './postgres-throttler.storage';
import type { RateLimit, RateLimitConfig } from './rate-limit.config';
import { RateLimitGuard } from './rate-limit.guard';
import { SignUpRateLimiter } from './sign-up-rate-limiter';

/** The request after the global bearer guard: `user` is the authenticated developer, if any. */
type RequestWithUser = FastifyRequest & { user?: { id: string } };

function metadataOf<T>(key: string, context: ExecutionContext): T | undefined {
  return Reflect.getMetadata(key, context.getHandler()) ?? Reflect.getMetadata(key, context.getClass());
}

function groupOf(context: ExecutionContext): RateLimitGroup | undefined {
  return metadataOf<RateLimitGroup>(RATE_LIMIT_GROUP, context);
}

/** The account a login request names, read as the route said (see LoginRateLimit). */
function loginAccountKey(req: FastifyRequest, context: ExecutionContext): string {
  return metadataOf<(request: FastifyRequest) => string>(LOGIN_ACCOUNT_OF, context)?.(req) ?? '';
}

/** A forwarded value that is not an IP address counts as the proxy's (the peer's) address. */
function clientIp(req: FastifyRequest): string {
  return clientIpOf(req) ?? req.socket?.remoteAddress ?? 'unknown';
}

function throttler(
  name: string,
  limit: RateLimit,
  group: RateLimitGroup,
  tracker: (req: RequestWithUser, context: ExecutionContext) => string,
): ThrottlerOptions {
  return {
    name,
    limit: limit.limit,
    ttl: limit.ttlSeconds * 1000,
    // A limit of 0 switches that throttler off; otherwise it applies to its group's routes only.
    skipIf: (context) => limit.limit === 0 || groupOf(context) !== group,
    getTracker: (req, context) => tracker(req as RequestWithUser, context),
    setHeaders: false,
  };
}

/**
 * Rate limits (@nestjs/throttler). Counters live in PostgreSQL by default (RATE_LIMIT_STORE=postgres,
 * PostgresThrottlerStorage), so that every instance behind a load balancer enforces the same limits;
 * RATE_LIMIT_STORE=memory keeps them in the library's in-memory store, one per process (a single
 * instance only). A ThrottlerStorage given to forRoot (tests) wins over both.
 */
@Module({})
export class RateLimitModule {
  static forRoot(limits: RateLimitConfig, storage?: ThrottlerStorage): DynamicModule {
    const throttlers = [
      throttler(
        LOGIN_PER_EMAIL,
        limits.loginPerEmail,
        'login',
        (req, context) => `${clientIp(req)}|${loginAccountKey(req, context)}`,
      ),
      throttler(LOGIN_PER_IP, limits.loginPerIp, 'login', clientIp),
      throttler(STRIPE_CALLS, limits.stripeCalls, 'stripe-calls', (req) => {
        const user = req.user;
        return user ? `user:${user.id}` : `ip:${clientIp(req)}`;
      }),
    ];
    const throttlerModule =
      storage || limits.store === 'memory'
        ? ThrottlerModule.forRoot({ storage, throttlers })
        : ThrottlerModule.forRootAsync({
            // The DataSource of DatabaseModule (TypeORM's module is global).
            inject: [DataSource],
            useFactory: (dataSource: DataSource) => ({
              throttlers,
              storage: new PostgresThrottlerStorage(dataSource),
            }),
          });
    return {
      module: RateLimitModule,
      // SignUpRateLimiter is used by the auth module.
      global: true,
      imports: [throttlerModule],
      providers: [RateLimitGuard, SignUpRateLimiter],
      exports: [RateLimitGuard, SignUpRateLimiter],
    };
  }
}
