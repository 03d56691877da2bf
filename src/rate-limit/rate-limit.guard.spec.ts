import { HttpException, HttpStatus } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { httpContext } from '../../test/helpers/unit';
import type { RateLimitConfig } from './rate-limit.config';
import { RetryLaterException } from '../http/retry-later.exception';
import { REGISTER_PER_IP } from './rate-limit.constants';
import { RateLimitGuard } from './rate-limit.guard';
import { SignUpRateLimiter } from './sign-up-rate-limiter';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** The throttler storage replaced: answers a given record, records each increment's arguments. */
class FakeStorage {
  increments: unknown[][] = [];
  constructor(private readonly record: Partial<ThrottlerStorageRecord>) {}
  increment(...args: unknown[]): Promise<ThrottlerStorageRecord> {
    this.increments.push(args);
    return Promise.resolve({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0, ...this.record });
  }
}

const blocked = (timeToBlockExpire: number) => new FakeStorage({ totalHits: 3, isBlocked: true, timeToBlockExpire });

describe('RateLimitGuard', () => {
  async function attempt(storage: FakeStorage) {
    const guard = new RateLimitGuard(
      { throttlers: [{ name: 'spec', limit: 2, ttl: 60_000, getTracker: () => '203.0.113.7', setHeaders: false }] },
      storage as unknown as ThrottlerStorage,
      new Reflector(),
    );
    await guard.onModuleInit();
    const headers: Record<string, string> = {};
    const reply = { header: (name: string, value: string) => void (headers[name] = value) };
    const context = httpContext({ ip: '203.0.113.7', headers: {} }, { reply, handler: function route() {} });
    const outcome = await guard.canActivate(context).catch((e: unknown) => e);
    return { outcome, headers };
  }

  it('lets a request under the limit through, counting it under the throttler with its limit and window', async () => {
    const storage = new FakeStorage({});
    const { outcome, headers } = await attempt(storage);
    expect(outcome).toBe(true);
    expect(storage.increments).toHaveLength(1);
    expect(storage.increments[0]).toEqual([expect.any(String), 60_000, 2, 60_000, 'spec']);
    expect(headers).toEqual({});
  });

  it('429 with the API\'s {"detail"} body and a plain Retry-After in whole seconds', async () => {
    const { outcome, headers } = await attempt(blocked(16.2));
    expect(outcome).toBeInstanceOf(HttpException);
    expect((outcome as HttpException).getStatus()).toBe(HttpStatus.TOO_MANY_REQUESTS);
    expect((outcome as HttpException).getResponse()).toEqual({ detail: 'Too many requests. Retry after 17 seconds.' });
    expect(headers).toEqual({ 'Retry-After': '17' });
  });

  it('never answers Retry-After: 0', async () => {
    const { headers } = await attempt(blocked(0.01));
    expect(headers).toEqual({ 'Retry-After': '1' });
  });
});

describe('SignUpRateLimiter', () => {
  const limiter = (storage: FakeStorage, limit: number, ttlSeconds = 600) =>
    new SignUpRateLimiter(
      storage as unknown as ThrottlerStorage,
      { registerPerIp: { limit, ttlSeconds } } as RateLimitConfig,
    );

  it('counts one sign-up of the client in the register-per-ip counter (blocked for one window once over)', async () => {
    const storage = new FakeStorage({});
    await expect(limiter(storage, 3).consume('203.0.113.7')).resolves.toBeUndefined();
    expect(storage.increments).toEqual([['203.0.113.7', 600_000, 3, 600_000, REGISTER_PER_IP]]);
  });

  it('is off with a limit of 0: nothing is counted', async () => {
    const storage = new FakeStorage({ isBlocked: true });
    await limiter(storage, 0).consume('203.0.113.7');
    expect(storage.increments).toEqual([]);
  });

  it('a blocked client gets a 429 that says when to come back', async () => {
    const error = await limiter(blocked(41.5), 3)
      .consume('203.0.113.7')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryLaterException);
    expect((error as RetryLaterException).getStatus()).toBe(HttpStatus.TOO_MANY_REQUESTS);
    expect((error as RetryLaterException).retryAfterSeconds).toBe(42);
    expect((error as RetryLaterException).getResponse()).toEqual({
      detail: 'Too many requests. Retry after 42 seconds.',
    });
  });
});
