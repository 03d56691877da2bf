import { Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { RateLimitCountersRepository, type RateLimitRecord } from './rate-limit-counters.repository';

export type { RateLimitRecord } from './rate-limit-counters.repository';

/** The library's own in-memory store sweeps idle records every minute; so does this one. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Rate-limit counters in PostgreSQL (table `rate_limit_counters`, UNLOGGED), so that every instance
 * of the service counts against the same limits. Same answers as @nestjs/throttler's in-memory
 * ThrottlerStorageService, on the database's clock. Keys are stored as sha256(throttler name, key):
 * a tracker may contain an email or an IP address, and none is kept in clear.
 *
 * Counters of one key and throttler name share one row; the in-memory store shares the window and
 * block of a key across throttler names, which never happens with the guard's keys (they include the
 * throttler name). `timeToBlockExpire` is meaningful only when `isBlocked` (the guard reads it then
 * only), as in the library.
 *
 * Rows that no longer count are deleted every minute by each instance (an unref'd timer started at
 * bootstrap, stopped on shutdown), so the table holds only the keys active in the last window.
 */
export class PostgresThrottlerStorage implements ThrottlerStorage, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('RateLimit');
  private sweepTimer?: NodeJS.Timeout;
  private sweeping?: Promise<unknown>;

  private readonly counters: RateLimitCountersRepository;

  constructor(
    dataSource: DataSource,
    private readonly sweepIntervalMs = SWEEP_INTERVAL_MS,
  ) {
    this.counters = new RateLimitCountersRepository(dataSource);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<RateLimitRecord> {
    return this.counters.increment(hashKey(throttlerName, key), Math.ceil(ttl), limit, Math.ceil(blockDuration));
  }

  /** Deletes the rows nothing refers to any more; returns how many. */
  sweep(): Promise<number> {
    return this.counters.sweep();
  }

  onApplicationBootstrap(): void {
    if (this.sweepTimer || this.sweepIntervalMs <= 0) return;
    this.sweepTimer = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = this.sweep()
        .catch((error: unknown) =>
          this.logger.warn(`Could not delete expired rate-limit counters: ${(error as Error).message}`),
        )
        .finally(() => (this.sweeping = undefined));
    }, this.sweepIntervalMs);
    // Never keeps the process alive by itself.
    this.sweepTimer.unref();
  }

  /** Before the database pool closes (TypeORM closes it at application shutdown). */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    await this.sweeping;
  }
}

function hashKey(throttlerName: string, key: string): Buffer {
  return createHash('sha256').update(throttlerName).update('\0').update(key).digest();
}
