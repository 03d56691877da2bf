import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { StripeMode } from '../stripe/stripe-keys';
import { CREDENTIAL_COLUMNS } from '../stripe-config/stripe-config.entity';

export type SweepOutcome = 'ok' | 'partial' | 'failed';

/** One row of payment_sweeps. */
export interface SweepRow {
  project_id: string;
  mode: StripeMode;
  next_run_at: Date;
  swept_until: string | null;
  cycle_cursor: string | null;
  cycle_max_created: string | null;
  last_run_at: Date | null;
  last_outcome: SweepOutcome | null;
  last_error: string | null;
  events_filled: number;
  events_filled_total: string;
}

export interface ClaimedSweep {
  project_id: string;
  mode: StripeMode;
}

/** What one sweep run did, stored with where the next one starts. */
export interface SweepRunResult {
  outcome: SweepOutcome;
  error: string | null;
  eventsFilled: number;
  /** Unix seconds up to which every event was seen (null: unchanged). */
  sweptUntil: number | null;
  /** Where the cycle continues (null: it is complete); undefined: as the last page recorded it. */
  cycleCursor: string | null | undefined;
  /** When the next run is due, from now. */
  nextInMs: number;
}

const COLUMNS = `project_id, mode, next_run_at, swept_until, cycle_cursor, cycle_max_created, last_run_at,
  last_outcome, last_error, events_filled, events_filled_total`;

/** Whether a secret key of the mode is stored: its fingerprint column, never its ciphertext. */
const secretKeyFingerprint = (mode: string) =>
  `CASE ${mode} WHEN 'test' THEN c.${CREDENTIAL_COLUMNS.test_secret_key.fingerprint.column} ELSE c.${CREDENTIAL_COLUMNS.live_secret_key.fingerprint.column} END`;

/** A row, due at once, for every active configuration's stored secret key that has none yet. */
const SEED = `
INSERT INTO payment_sweeps (project_id, mode, next_run_at)
SELECT c.project_id, m.mode, now()
  FROM stripe_configs c CROSS JOIN (VALUES ('test'), ('live')) AS m (mode)
 WHERE c.is_active AND ${secretKeyFingerprint('m.mode')} IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM payment_sweeps s WHERE s.project_id = c.project_id AND s.mode = m.mode)
ON CONFLICT DO NOTHING`;

/**
 * Claims up to `$1` due sweeps and pushes their next run one lease (`$2` ms) on, in one statement:
 * `FOR UPDATE SKIP LOCKED`, so two instances never claim the same row; the run stores the real
 * next time when it ends, and an instance that died leaves the row due again after the lease.
 */
const CLAIM_DUE = `
WITH due AS (
  SELECT s.project_id, s.mode FROM payment_sweeps s
   WHERE s.next_run_at <= clock_timestamp()
   ORDER BY s.next_run_at
   LIMIT $1
   FOR UPDATE OF s SKIP LOCKED
)
UPDATE payment_sweeps s SET next_run_at = clock_timestamp() + $2::int * interval '1 millisecond'
  FROM due WHERE s.project_id = due.project_id AND s.mode = due.mode
RETURNING s.project_id, s.mode`;

/**
 * Every statement on payment_sweeps. Seeding reads stripe_configs too (which keys exist), without
 * decrypting anything.
 */
@Injectable()
export class LedgerSweepRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async seedFromConfigs(): Promise<void> {
    await this.dataSource.query(SEED);
  }

  async claimDue(limit: number, leaseMs: number): Promise<ClaimedSweep[]> {
    const result = (await this.dataSource.query(CLAIM_DUE, [limit, Math.round(leaseMs)])) as [ClaimedSweep[], number];
    return result[0];
  }

  async find(projectId: string, mode: StripeMode): Promise<SweepRow | null> {
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM payment_sweeps WHERE project_id = $1 AND mode = $2`,
      [projectId, mode],
    )) as SweepRow[];
    return rows[0] ?? null;
  }

  async findForProject(projectId: string): Promise<SweepRow[]> {
    return (await this.dataSource.query(`SELECT ${COLUMNS} FROM payment_sweeps WHERE project_id = $1`, [
      projectId,
    ])) as SweepRow[];
  }

  /** Where the current cycle stands after one page (a run that stops midway resumes here). */
  async recordPage(
    projectId: string,
    mode: StripeMode,
    cursor: string | null,
    maxCreated: number | null,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE payment_sweeps SET cycle_cursor = $3, cycle_max_created = GREATEST(cycle_max_created, $4::bigint)
        WHERE project_id = $1 AND mode = $2`,
      [projectId, mode, cursor, maxCreated],
    );
  }

  async store(projectId: string, mode: StripeMode, result: SweepRunResult): Promise<void> {
    await this.dataSource.query(
      `UPDATE payment_sweeps SET last_run_at = now(), last_outcome = $3, last_error = $4, events_filled = $5::int,
         events_filled_total = events_filled_total + $5::int,
         swept_until = COALESCE(GREATEST(swept_until, $6::bigint), swept_until, $6::bigint),
         cycle_cursor = CASE WHEN $9::boolean THEN cycle_cursor ELSE $7::text END,
         cycle_max_created = CASE WHEN NOT $9::boolean AND $7::text IS NULL THEN NULL ELSE cycle_max_created END,
         next_run_at = now() + $8::bigint * (0.9 + random() * 0.2) * interval '1 millisecond'
       WHERE project_id = $1 AND mode = $2`,
      [
        projectId,
        mode,
        result.outcome,
        result.error === null ? null : result.error.slice(0, 300),
        result.eventsFilled,
        result.sweptUntil,
        result.cycleCursor ?? null,
        Math.round(result.nextInMs),
        result.cycleCursor === undefined,
      ],
    );
  }
}
