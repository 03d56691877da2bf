import { ThrottlerStorageService } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { PostgresThrottlerStorage, type RateLimitRecord } from '../src/rate-limit/postgres-throttler.storage';
import { appDataSourceOptions } from '../src/app.entities';
import { createTestDatabase } from './helpers/test-app';

/**
 * PostgresThrottlerStorage against a real PostgreSQL (its own database, migrated). Small ttls (1-2 s)
 * and real sleeps: the storage counts on the database's clock.
 */
describe('PostgresThrottlerStorage (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataSource: DataSource;
  let storage: PostgresThrottlerStorage;
  let n = 0;
  /** A key no other test uses. */
  const freshKey = () => `key-${process.pid}-${(n += 1)}`;

  beforeAll(async () => {
    database = await createTestDatabase({ migrated: true });
    dataSource = await new DataSource(patientOptions(database.url)).initialize();
    // No sweep timer: the tests call sweep() themselves.
    storage = new PostgresThrottlerStorage(dataSource, 0);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('counts hits in the window, then blocks for the block duration', async () => {
    const key = freshKey();
    const hit = () => storage.increment(key, 2000, 3, 2000, 'login');
    for (const expected of [1, 2, 3]) {
      expect(await hit()).toEqual({
        totalHits: expected,
        timeToExpire: 2,
        isBlocked: false,
        timeToBlockExpire: expect.any(Number),
      });
    }
    expect(await hit()).toEqual({ totalHits: 4, timeToExpire: 2, isBlocked: true, timeToBlockExpire: 2 });
    // Refused hits are not counted while blocked.
    expect(await hit()).toMatchObject({ totalHits: 4, isBlocked: true, timeToBlockExpire: 2 });
  });

  it('keeps separate counts per key and per throttler name', async () => {
    const key = freshKey();
    await storage.increment(key, 2000, 1, 2000, 'login');
    expect(await storage.increment(key, 2000, 1, 2000, 'login')).toMatchObject({ isBlocked: true });
    expect(await storage.increment(key, 2000, 1, 2000, 'stripe-calls')).toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
    expect(await storage.increment(freshKey(), 2000, 1, 2000, 'login')).toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
  });

  it('lets hits expire one ttl after they were counted, and starts a new window', async () => {
    const key = freshKey();
    await storage.increment(key, 1000, 2, 1000, 'login');
    await storage.increment(key, 1000, 2, 1000, 'login');
    await sleep(1150);
    expect(await storage.increment(key, 1000, 2, 1000, 'login')).toMatchObject({
      totalHits: 1,
      timeToExpire: 1,
      isBlocked: false,
    });
  });

  it('unblocks once the block duration is over, counting from 1 again', async () => {
    const key = freshKey();
    const hit = () => storage.increment(key, 1000, 1, 1000, 'login');
    await hit();
    expect(await hit()).toMatchObject({ isBlocked: true, timeToBlockExpire: 1 });
    await sleep(1150);
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false });
    expect(await hit()).toMatchObject({ totalHits: 2, isBlocked: true });
  });

  it('without a block duration, refuses while `limit` hits are live and does not count refused ones', async () => {
    const key = freshKey();
    const hit = () => storage.increment(key, 1000, 2, 0, 'login');
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false, timeToBlockExpire: 0 });
    expect(await hit()).toMatchObject({ totalHits: 2, isBlocked: false });
    expect(await hit()).toMatchObject({ totalHits: 3, isBlocked: true, timeToBlockExpire: 1 });
    await sleep(1150);
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('answers like @nestjs/throttler’s in-memory storage, step by step', async () => {
    const memory = new ThrottlerStorageService();
    try {
      // [wait before the step (ms), ttl, limit, blockDuration]; waits keep every step well away from
      // the 1000/1500 ms boundaries so that both stores see the same side of each.
      const scenarios: [number, number, number, number][][] = [
        // with blocking: 3 counted, blocked, still blocked, hits expire during the block, unblocked.
        [0, 0, 0, 0, 600, 700, 700].map((wait) => [wait, 1000, 2, 1500]),
        // without blocking (block duration 0).
        [0, 0, 0, 400, 800, 0, 0].map((wait) => [wait, 1000, 2, 0]),
      ];
      for (const steps of scenarios) {
        const key = freshKey();
        for (const [wait, ttl, limit, blockDuration] of steps) {
          if (wait) await sleep(wait);
          const [fromPostgres, fromMemory] = await Promise.all([
            storage.increment(key, ttl, limit, blockDuration, 'login'),
            memory.increment(key, ttl, limit, blockDuration, 'login'),
          ]);
          expect(comparable(fromPostgres)).toEqual(comparable(fromMemory));
        }
      }
    } finally {
      memory.onApplicationShutdown();
    }
  });

  it('never lets concurrent instances slip past the limit together', async () => {
    // A second DataSource is a second instance with a pool of its own.
    const other = await new DataSource(patientOptions(database.url)).initialize();
    try {
      const instances = [storage, new PostgresThrottlerStorage(other, 0)];
      const key = freshKey();
      const records = await Promise.all(
        Array.from({ length: 40 }, (_v, i) => instances[i % 2].increment(key, 60_000, 10, 60_000, 'login')),
      );
      expect(records.filter((r) => !r.isBlocked)).toHaveLength(10);
      expect(
        records
          .filter((r) => !r.isBlocked)
          .map((r) => r.totalHits)
          .sort((a, b) => a - b),
      ).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    } finally {
      await other.destroy();
    }
  });

  it('stores a sha256 of the throttler name and key, never the key itself', async () => {
    const key = `127.0.0.1|alice-${process.pid}@example.com`;
    await storage.increment(key, 2000, 5, 2000, 'login-per-email');
    const expected = createHash('sha256').update('login-per-email').update('\0').update(key).digest();
    const rows = await dataSource.query<{ key: Buffer }[]>(
      `SELECT key FROM rate_limit_counters WHERE position(convert_to($1, 'UTF8') IN key) > 0 OR key = $2`,
      [`alice-${process.pid}`, expected],
    );
    expect(rows.map((r) => r.key.toString('hex'))).toEqual([expected.toString('hex')]);
  });

  it('sweep() deletes only the rows that no longer count', async () => {
    const shortLived = freshKey();
    const blocked = freshKey();
    const live = freshKey();
    await storage.increment(shortLived, 500, 5, 500, 'login');
    await storage.increment(blocked, 500, 0, 5000, 'login');
    await storage.increment(live, 5000, 5, 5000, 'login');
    await sleep(650);
    const hashes = [shortLived, blocked, live].map((k) =>
      createHash('sha256').update('login').update('\0').update(k).digest(),
    );
    expect(await storage.sweep()).toBeGreaterThanOrEqual(1);
    const left = await dataSource.query<{ key: Buffer }[]>('SELECT key FROM rate_limit_counters WHERE key = ANY($1)', [
      hashes,
    ]);
    expect(left.map((r) => r.key.toString('hex')).sort()).toEqual(
      [hashes[1], hashes[2]].map((h) => h.toString('hex')).sort(),
    );
    // The swept key starts over.
    expect(await storage.increment(shortLived, 500, 5, 500, 'login')).toMatchObject({ totalHits: 1 });
  });

  it('is an UNLOGGED table', async () => {
    const rows = await dataSource.query<{ relpersistence: string }[]>(
      `SELECT relpersistence FROM pg_class WHERE relname = 'rate_limit_counters'`,
    );
    expect(rows).toEqual([{ relpersistence: 'u' }]);
  });
});

/**
 * The app's options, but waiting up to 30 s for a pool connection instead of 2 s: the 40 concurrent
 * increments below queue for 10 connections, and on a busy machine that wait alone can pass 2 s. These
 * tests are about counting, not about failing fast.
 */
function patientOptions(url: string): DataSourceOptions {
  const options = appDataSourceOptions(url);
  return { ...options, extra: { ...options.extra, connectionTimeoutMillis: 30_000 } } as DataSourceOptions;
}

/** timeToBlockExpire means something only while blocked (the guard reads it then only). */
function comparable(record: RateLimitRecord): RateLimitRecord {
  return { ...record, timeToBlockExpire: record.isBlocked ? record.timeToBlockExpire : 0 };
}
