import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { StripeMode } from '../stripe/stripe-keys';

export const SYNC_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

/** The lists a sync reads, in order; `phase` + `cursor` say where a sync stands between job runs. */
export const SYNC_PHASES = ['subscriptions', 'invoices', 'payment_intents', 'charges'] as const;
export type SyncPhase = (typeof SYNC_PHASES)[number];

/** One row of payment_syncs. */
export interface SyncRow {
  project_id: string;
  mode: StripeMode;
  status: SyncStatus;
  job_id: string | null;
  phase: SyncPhase | null;
  cursor: string | null;
  subscriptions_imported: number;
  payments_imported: number;
  pages_fetched: number;
  stripe_calls: number;
  requested_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  last_error: string | null;
}

/** What one fetched page added to a sync. */
export interface SyncPageProgress {
  phase: SyncPhase | null;
  cursor: string | null;
  subscriptions: number;
  payments: number;
}

const COLUMNS = `project_id, mode, status, job_id, phase, cursor, subscriptions_imported, payments_imported,
  pages_fetched, stripe_calls, requested_at, started_at, finished_at, last_error`;

/** Every statement on payment_syncs (one row per project and mode). */
@Injectable()
export class LedgerSyncRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The row of a project's mode, locked until `tx` ends (created as `succeeded`/empty when missing). */
  async lockForStart(tx: EntityManager, projectId: string, mode: StripeMode): Promise<SyncRow> {
    await tx.query(
      `INSERT INTO payment_syncs (project_id, mode, status) VALUES ($1, $2, 'succeeded') ON CONFLICT DO NOTHING`,
      [projectId, mode],
    );
    const rows = (await tx.query(
      `SELECT ${COLUMNS} FROM payment_syncs WHERE project_id = $1 AND mode = $2 FOR UPDATE`,
      [projectId, mode],
    )) as SyncRow[];
    return rows[0];
  }

  /** A new sync of the mode, queued as job `jobId`: counts, cursor and error start over. */
  async queue(tx: EntityManager, projectId: string, mode: StripeMode, jobId: string): Promise<SyncRow> {
    const rows = (await tx.query(
      `UPDATE payment_syncs SET status = 'queued', job_id = $3, phase = NULL, cursor = NULL,
         subscriptions_imported = 0, payments_imported = 0, pages_fetched = 0, stripe_calls = 0,
         requested_at = now(), started_at = NULL, finished_at = NULL, last_error = NULL
       WHERE project_id = $1 AND mode = $2 RETURNING ${COLUMNS}`,
      [projectId, mode, jobId],
    )) as [SyncRow[], number];
    return rows[0][0];
  }

  async find(projectId: string, mode: StripeMode): Promise<SyncRow | null> {
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM payment_syncs WHERE project_id = $1 AND mode = $2`,
      [projectId, mode],
    )) as SyncRow[];
    return rows[0] ?? null;
  }

  async findForProject(projectId: string): Promise<SyncRow[]> {
    return (await this.dataSource.query(`SELECT ${COLUMNS} FROM payment_syncs WHERE project_id = $1`, [
      projectId,
    ])) as SyncRow[];
  }

  /** Job `jobId` starts (or resumes) the sync; false when the row belongs to another job (superseded) or is finished. */
  async markRunning(projectId: string, mode: StripeMode, jobId: string): Promise<SyncRow | null> {
    const rows = (await this.dataSource.query(
      `UPDATE payment_syncs SET status = 'running', started_at = COALESCE(started_at, now())
        WHERE project_id = $1 AND mode = $2 AND job_id = $3 AND status IN ('queued', 'running')
        RETURNING ${COLUMNS}`,
      [projectId, mode, jobId],
    )) as [SyncRow[], number];
    return rows[0][0] ?? null;
  }

  /** Counts a call to Stripe and what the page it fetched added, in the transaction that projected the page. */
  async recordPage(tx: EntityManager, projectId: string, mode: StripeMode, progress: SyncPageProgress): Promise<void> {
    await tx.query(
      `UPDATE payment_syncs SET phase = $3, cursor = $4, subscriptions_imported = subscriptions_imported + $5,
         payments_imported = payments_imported + $6, pages_fetched = pages_fetched + 1, stripe_calls = stripe_calls + 1
       WHERE project_id = $1 AND mode = $2`,
      [projectId, mode, progress.phase, progress.cursor, progress.subscriptions, progress.payments],
    );
  }

  /** Counts a call to Stripe that fetched nothing usable (it failed). */
  async countCall(projectId: string, mode: StripeMode): Promise<void> {
    await this.dataSource.query(
      `UPDATE payment_syncs SET stripe_calls = stripe_calls + 1 WHERE project_id = $1 AND mode = $2`,
      [projectId, mode],
    );
  }

  /** The sync continues in job `jobId` (the previous run reached its page limit or the instance is stopping). */
  async handOver(tx: EntityManager, projectId: string, mode: StripeMode, jobId: string): Promise<void> {
    await tx.query(`UPDATE payment_syncs SET job_id = $3 WHERE project_id = $1 AND mode = $2`, [
      projectId,
      mode,
      jobId,
    ]);
  }

  /** An error that will be retried: kept as the last error, the sync stays running. */
  async noteError(projectId: string, mode: StripeMode, message: string): Promise<void> {
    await this.dataSource.query(`UPDATE payment_syncs SET last_error = $3 WHERE project_id = $1 AND mode = $2`, [
      projectId,
      mode,
      message.slice(0, 300),
    ]);
  }

  async finish(
    projectId: string,
    mode: StripeMode,
    status: 'succeeded' | 'failed',
    error: string | null,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE payment_syncs SET status = $3, finished_at = now(), last_error = COALESCE($4, last_error),
         phase = NULL, cursor = NULL
       WHERE project_id = $1 AND mode = $2`,
      [projectId, mode, status, error === null ? null : error.slice(0, 300)],
    );
  }
}
