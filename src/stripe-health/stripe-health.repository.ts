import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { StripeMode } from '../stripe/stripe-keys';
import { CREDENTIAL_COLUMNS } from '../stripe-config/stripe-config.entity';
import type { CheckStatus, KeyOutcome } from './health-report';

/** One row of stripe_health_checks, as the report reads it. */
export interface StoredHealthCheck {
  mode: StripeMode;
  key_fingerprint: string | null;
  key_outcome: KeyOutcome | null;
  key_message: string | null;
  key_checked_at: Date | null;
  endpoint_code: string | null;
  endpoint_status: CheckStatus | null;
  endpoint_message: string | null;
  endpoint_checked_at: Date | null;
}

/** What one background or refresh check found, stored in the project's row for the mode. */
export interface CheckResult {
  /** The fingerprint of the key that was checked (tells that the stored key changed since). */
  keyFingerprint: string;
  keyOutcome: KeyOutcome;
  keyMessage: string;
  endpoint: { code: string; status: CheckStatus; message: string };
}

export interface ClaimedCheck {
  project_id: string;
  mode: StripeMode;
}

/**
 * The fingerprint of the secret key of the mode `mode` in the stripe_configs row aliased `c` (null: no
 * key stored). Written with the key by StripeConfigRepository; never a ciphertext column.
 */
const secretFingerprint = (mode: string) =>
  `CASE ${mode} WHEN 'test' THEN c.${CREDENTIAL_COLUMNS.test_secret_key.fingerprint.column} ELSE c.${CREDENTIAL_COLUMNS.live_secret_key.fingerprint.column} END`;

/** A row for every active configuration's stored secret key that has none yet: due at once. */
const SEED = `
INSERT INTO stripe_health_checks (project_id, mode, next_check_at)
SELECT c.project_id, m.mode, now()
  FROM stripe_configs c CROSS JOIN (VALUES ('test'), ('live')) AS m (mode)
 WHERE c.is_active AND ${secretFingerprint('m.mode')} IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM stripe_health_checks h WHERE h.project_id = c.project_id AND h.mode = m.mode)
ON CONFLICT DO NOTHING`;

/** A key stored since its last check (its fingerprint differs) is due at once. */
const RESCHEDULE_CHANGED = `
UPDATE stripe_health_checks h SET next_check_at = now()
  FROM stripe_configs c
 WHERE c.project_id = h.project_id AND c.is_active AND h.next_check_at > now()
   AND h.key_fingerprint IS NOT NULL
   AND h.key_fingerprint IS DISTINCT FROM ${secretFingerprint('h.mode')}`;

/**
 * Claims the checks that are due, at most `$1` minus those the background checks of any instance
 * claimed in the last second (the overall rate cap: `claimed_at` is set by these claims only, never by
 * a refresh, whose calls are limited per developer instead); reads the `next_check_at` index only. `FOR UPDATE SKIP LOCKED`: rows another
 * instance is claiming right now are skipped, not waited for; the claim (`claimed_until`, a lease of
 * `$2` ms) then keeps them from every other claimer until the outcome is stored or the lease runs out
 * (an instance that died mid-check).
 */
const CLAIM_DUE = `
WITH recent AS (
  SELECT count(*)::int AS n FROM stripe_health_checks WHERE claimed_at > clock_timestamp() - interval '1 second'
), due AS (
  SELECT h.project_id, h.mode
    FROM stripe_health_checks h
   WHERE h.next_check_at <= clock_timestamp()
     AND (h.claimed_until IS NULL OR h.claimed_until < clock_timestamp())
   ORDER BY h.next_check_at
   LIMIT GREATEST(0, $1::int - (SELECT n FROM recent))
   FOR UPDATE OF h SKIP LOCKED
)
UPDATE stripe_health_checks h
   SET claimed_until = clock_timestamp() + $2::int * interval '1 millisecond', claimed_at = clock_timestamp()
  FROM due
 WHERE h.project_id = due.project_id AND h.mode = due.mode
RETURNING h.project_id, h.mode`;

/**
 * Claims one project's mode now (refresh), unless another claimer holds it. It leaves `claimed_at`
 * alone: a refresh is not counted in the background checks' rate (HEALTH_CHECK_RATE), so that one
 * developer's refreshes, within their own limit (RATE_LIMIT_STRIPE), never hold back the re-validation
 * of every other project.
 */
const CLAIM_ONE = `
INSERT INTO stripe_health_checks AS h (project_id, mode, next_check_at, claimed_until)
VALUES ($1, $2, now(), clock_timestamp() + $3::int * interval '1 millisecond')
ON CONFLICT (project_id, mode) DO UPDATE SET claimed_until = EXCLUDED.claimed_until
 WHERE h.claimed_until IS NULL OR h.claimed_until < clock_timestamp()
RETURNING h.project_id`;

/** Stores the outcome, releases the claim, and sets the next check one interval on, ±10% (jitter). */
const STORE = `
UPDATE stripe_health_checks SET
  key_fingerprint = $3, key_outcome = $4, key_message = $5, key_checked_at = now(),
  endpoint_code = $6, endpoint_status = $7, endpoint_message = $8, endpoint_checked_at = now(),
  next_check_at = now() + $9::bigint * (0.9 + random() * 0.2) * interval '1 millisecond',
  claimed_until = NULL
WHERE project_id = $1 AND mode = $2`;

/**
 * Every statement on stripe_health_checks. The scheduling statements read stripe_configs too (which
 * configurations are active and the fingerprints of their secret keys, to notice a new or changed key),
 * never a ciphertext column.
 */
@Injectable()
export class StripeHealthRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Makes the rows follow the stored keys: a row for each new key, due at once, and a key changed since
   * its check due at once. Reads every configuration: the scheduler runs it once per poll period.
   */
  async syncWithConfigs(): Promise<void> {
    await this.dataSource.query(SEED);
    await this.dataSource.query(RESCHEDULE_CHANGED);
  }

  /**
   * Claims due checks. One transaction per claim, serialised by a transaction-level advisory lock so
   * that the count of checks claimed in the last second (the overall rate cap) is exact across
   * instances; the lock is held for that one short statement only.
   */
  async claimDue(maxChecksPerSecond: number, leaseMs: number): Promise<ClaimedCheck[]> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('stripe-health-claim'))`);
      // The structured result: TypeORM answers an UPDATE's plain query() with [rows, count].
      const result = await manager.queryRunner!.query(CLAIM_DUE, [maxChecksPerSecond, leaseMs], true);
      return result.records as ClaimedCheck[];
    });
  }

  /** `false` when another instance (or refresh) is checking this project's mode right now. */
  async claimOne(projectId: string, mode: StripeMode, leaseMs: number): Promise<boolean> {
    const rows = (await this.dataSource.query(CLAIM_ONE, [projectId, mode, leaseMs])) as unknown[];
    return rows.length > 0;
  }

  async store(projectId: string, mode: StripeMode, result: CheckResult, nextInMs: number): Promise<void> {
    await this.dataSource.query(STORE, [
      projectId,
      mode,
      result.keyFingerprint,
      result.keyOutcome,
      result.keyMessage.slice(0, 300),
      result.endpoint.code,
      result.endpoint.status,
      result.endpoint.message.slice(0, 300),
      Math.round(nextInMs),
    ]);
  }

  /**
   * Gives a claim back without an outcome; with `nextInMs`, also puts the next check one interval on
   * (a deactivated configuration: checked again when its turn comes, or at once if its key changes).
   */
  async release(projectId: string, mode: StripeMode, nextInMs?: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE stripe_health_checks SET claimed_until = NULL,
         next_check_at = CASE WHEN $3::bigint IS NULL THEN next_check_at
                              ELSE now() + $3::bigint * interval '1 millisecond' END
       WHERE project_id = $1 AND mode = $2`,
      [projectId, mode, nextInMs === undefined ? null : Math.round(nextInMs)],
    );
  }

  async findForProject(projectId: string): Promise<StoredHealthCheck[]> {
    return (await this.dataSource.query(
      `SELECT mode, key_fingerprint, key_outcome, key_message, key_checked_at,
              endpoint_code, endpoint_status, endpoint_message, endpoint_checked_at
         FROM stripe_health_checks WHERE project_id = $1`,
      [projectId],
    )) as StoredHealthCheck[];
  }
}
