import { ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';

/**
 * @nestjs/throttler's guard, answering like the rest of the API: 429 `{"detail"}` with a plain
 * `Retry-After` (seconds) instead of the per-throttler `Retry-After-<name>` header.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const retryAfter = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    context.switchToHttp().getResponse<FastifyReply>().header('Retry-After', String(retryAfter));
    throw new HttpException(
      { detail: `Too many requests. Retry after ${retryAfter} seconds.` },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
