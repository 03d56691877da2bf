import type { DataSource } from 'typeorm';

/** What ThrottlerStorage.increment answers (the library's ThrottlerStorageRecord; times in seconds). */
export interface RateLimitRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

/** Milliseconds since the epoch on the database's clock: every instance counts on the same clock. */
const DB_NOW_MS = `(extract(epoch FROM clock_timestamp()) * 1000)::bigint`;

// Parameters of INCREMENT: $1 key hash, $2 ttl (ms), $3 limit, $4 block duration (ms).
const TTL = '$2::bigint';
const LIMIT = '$3::int';
const BLOCK = '$4::bigint';
/** "Now" of this statement, as stored in the row being inserted (EXCLUDED) and then in the row. */
const NOW = 'EXCLUDED.updated_at_ms';
/** The row's hits that have not expired yet, oldest first (each hit expires `ttl` after it was counted). */
const LIVE_HITS = `ARRAY(SELECT h FROM unnest(c.hits) AS h WHERE h > ${NOW} ORDER BY h)`;
const LIVE = `cardinality(${LIVE_HITS})`;

/**
 * One statement, one round trip, atomic: the row of a key is created or locked and updated in place,
 * so instances counting the same key at the same moment queue on its row lock and each sees the
 * others' hits. It mirrors @nestjs/throttler's ThrottlerStorageService.increment step by step:
 *
 * - each counted hit expires `ttl` after it was counted (`hits` holds those expiry times);
 * - the window (`expires_at_ms`, reported as timeToExpire) starts with the first hit and restarts
 *   at the first hit after it ended;
 * - with a block duration (the guard passes the ttl when none is configured): a hit over the limit
 *   blocks the key for the block duration; hits while blocked are refused and not counted; the first
 *   hit after the block ends starts over with a count of 1;
 * - without one (block duration 0): a hit is refused while `limit` hits are live, and not counted.
 *
 * `SET` expressions all see the row as it was (`c`); RETURNING sees it as it is now.
 */
const INCREMENT = `
INSERT INTO rate_limit_counters AS c (key, hits, expires_at_ms, blocked, block_expires_at_ms, updated_at_ms)
SELECT $1::bytea,
       CASE WHEN ${BLOCK} <= 0 AND ${LIMIT} <= 0 THEN '{}'::bigint[] ELSE ARRAY[now.ms + ${TTL}] END,
       now.ms + ${TTL},
       CASE WHEN ${BLOCK} > 0 THEN 1 > ${LIMIT} ELSE ${LIMIT} <= 0 END,
       CASE WHEN ${BLOCK} > 0 AND 1 > ${LIMIT} THEN now.ms + ${BLOCK} ELSE 0 END,
       now.ms
  FROM (SELECT ${DB_NOW_MS} AS ms) AS now
ON CONFLICT (key) DO UPDATE SET
  hits = CASE
    WHEN ${BLOCK} > 0 AND c.blocked AND c.block_expires_at_ms <= ${NOW} THEN ARRAY[${NOW} + ${TTL}]
    WHEN ${BLOCK} > 0 AND c.blocked THEN ${LIVE_HITS}
    WHEN ${BLOCK} > 0 THEN ${LIVE_HITS} || (${NOW} + ${TTL})
    WHEN ${LIVE} >= ${LIMIT} THEN ${LIVE_HITS}
    ELSE ${LIVE_HITS} || (${NOW} + ${TTL})
  END,
  blocked = CASE
    WHEN ${BLOCK} > 0 AND c.blocked THEN c.block_expires_at_ms > ${NOW}
    WHEN ${BLOCK} > 0 THEN ${LIVE} + 1 > ${LIMIT}
    ELSE ${LIVE} >= ${LIMIT}
  END,
  block_expires_at_ms = CASE
    WHEN ${BLOCK} > 0 AND NOT c.blocked AND ${LIVE} + 1 > ${LIMIT} THEN ${NOW} + ${BLOCK}
    ELSE c.block_expires_at_ms
  END,
  expires_at_ms = CASE WHEN c.expires_at_ms > ${NOW} THEN c.expires_at_ms ELSE ${NOW} + ${TTL} END,
  updated_at_ms = ${NOW}
RETURNING
  cardinality(c.hits) + CASE WHEN ${BLOCK} <= 0 AND c.blocked THEN 1 ELSE 0 END AS "totalHits",
  ceil((c.expires_at_ms - c.updated_at_ms) / 1000.0)::float8 AS "timeToExpire",
  c.blocked AS "isBlocked",
  CASE
    WHEN ${BLOCK} > 0 THEN ceil((c.block_expires_at_ms - c.updated_at_ms) / 1000.0)
    WHEN c.blocked THEN ceil((coalesce(c.hits[1], c.expires_at_ms) - c.updated_at_ms) / 1000.0)
    ELSE 0
  END::float8 AS "timeToBlockExpire"`;

/** Rows nothing refers to any more: window over, not blocked (or block over), no live hit. */
const SWEEP = `
WITH gone AS (
  DELETE FROM rate_limit_counters
   WHERE expires_at_ms <= ${DB_NOW_MS}
     AND (NOT blocked OR block_expires_at_ms <= ${DB_NOW_MS})
     AND coalesce(hits[cardinality(hits)], 0) <= ${DB_NOW_MS}
  RETURNING 1
)
SELECT count(*)::int AS deleted FROM gone`;

/**
 * Every statement on `rate_limit_counters` (UNLOGGED): the atomic count of one hit, and the sweep of
 * rows that no longer count. Raw SQL: both are single upsert/delete statements with array arithmetic
 * that no query builder expresses more plainly. Used by PostgresThrottlerStorage.
 */
export class RateLimitCountersRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Counts one hit of `keyHash` (see INCREMENT); ttl and block duration in milliseconds. */
  async increment(keyHash: Buffer, ttlMs: number, limit: number, blockMs: number): Promise<RateLimitRecord> {
    const rows = (await this.dataSource.query(INCREMENT, [keyHash, ttlMs, limit, blockMs])) as RateLimitRecord[];
    return rows[0];
  }

  /** Deletes the rows nothing refers to any more; returns how many. */
  async sweep(): Promise<number> {
    const rows = (await this.dataSource.query(SWEEP)) as { deleted: number }[];
    return rows[0]?.deleted ?? 0;
  }
}
