import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { InjectThrottlerStorage, ThrottlerStorage } from '@nestjs/throttler';
import { RetryLaterException } from '../http/retry-later.exception';
import { rateLimitConfig, type RateLimitConfig } from './rate-limit.config';
import { REGISTER_PER_IP } from './rate-limit.constants';

/**
 * Sign-ups per client IP (RATE_LIMIT_REGISTER), on the same counters as the other limits (PostgreSQL
 * by default, shared by every instance). Called by the registration once the body is valid: each
 * sign-up costs a full scrypt hash, a malformed request nothing.
 */
@Injectable()
export class SignUpRateLimiter {
  constructor(
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    @Inject(rateLimitConfig.KEY) private readonly limits: RateLimitConfig,
  ) {}

  /** Counts one sign-up of `clientIp`; 429 with Retry-After when its limit is used up. */
  async consume(clientIp: string): Promise<void> {
    const { limit, ttlSeconds } = this.limits.registerPerIp;
    if (limit === 0) return;
    const ttlMs = ttlSeconds * 1000;
    // As the guard does without a configured block: over the limit blocks the key for one window.
    const record = await this.storage.increment(clientIp, ttlMs, limit, ttlMs, REGISTER_PER_IP);
    if (!record.isBlocked) return;
    const retryAfter = Math.max(1, Math.ceil(record.timeToBlockExpire));
    throw new RetryLaterException(
      `Too many requests. Retry after ${retryAfter} seconds.`,
      retryAfter,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
