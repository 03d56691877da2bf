import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { StripeMode } from '../stripe/stripe-keys';

export interface NewWebhookEvent {
  mode: StripeMode;
  eventId: string;
  eventType: string;
  stripeCreatedAt: Date;
  /** The event's JSON text (what is stored as jsonb, and measured for payload_size). */
  payloadJson: string;
}

export interface WebhookEventFilter {
  mode?: StripeMode;
  type?: string;
  page: number;
  pageSize: number;
}

/** A stored event as read back, without its payload (see payloadTexts). */
export interface WebhookEventRow {
  id: string;
  event_id: string;
  event_type: string;
  mode: StripeMode;
  stripe_created_at: Date;
  received_at: Date;
  payload_size: number;
}

const COLUMNS = 'id, event_id, event_type, mode, stripe_created_at, received_at, payload_size';

/** All SQL on stripe_webhook_events. Every method is keyed by the project id. */
@Injectable()
export class StripeWebhookEventsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Stores the event unless this project already has it for this mode; `false` for a redelivery.
   * `ON CONFLICT DO NOTHING` on the unique (project_id, mode, event_id): concurrent copies store one row
   * (the second waits for the first's transaction, then finds it). `tx`: the caller's transaction.
   */
  async insertOnce(
    projectId: string,
    event: NewWebhookEvent,
    tx: EntityManager = this.dataSource.manager,
  ): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO stripe_webhook_events (project_id, mode, event_id, event_type, stripe_created_at, payload, payload_size)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
       ON CONFLICT ON CONSTRAINT "UQ_stripe_webhook_events_project_mode_event" DO NOTHING RETURNING id`,
      [
        projectId,
        event.mode,
        event.eventId,
        event.eventType,
        event.stripeCreatedAt,
        event.payloadJson,
        Buffer.byteLength(event.payloadJson),
      ],
    );
    return rows.length > 0;
  }

  /**
   * One page of the project's events (without payloads), newest received first, and the total matching
   * the filter.
   */
  async list(projectId: string, filter: WebhookEventFilter): Promise<[WebhookEventRow[], number]> {
    const params: unknown[] = [projectId];
    let where = 'project_id = $1';
    if (filter.mode) where += ` AND mode = $${params.push(filter.mode)}`;
    if (filter.type) where += ` AND event_type = $${params.push(filter.type)}`;
    const count = `SELECT count(*)::int AS total FROM stripe_webhook_events WHERE ${where}`;
    const n = params.length;
    const page =
      `SELECT ${COLUMNS} FROM stripe_webhook_events WHERE ${where} ` +
      `ORDER BY received_at DESC, stripe_created_at DESC, id DESC LIMIT $${n + 1} OFFSET $${n + 2}`;
    const rows = await this.dataSource.query<WebhookEventRow[]>(page, [
      ...params,
      filter.pageSize,
      (filter.page - 1) * filter.pageSize,
    ]);
    const totals = await this.dataSource.query<{ total: number }[]>(count, params);
    return [rows, totals[0].total];
  }

  /** One event of the project (without its payload), or null. */
  async findOne(projectId: string, id: string): Promise<WebhookEventRow | null> {
    const rows = await this.dataSource.query<WebhookEventRow[]>(
      `SELECT ${COLUMNS} FROM stripe_webhook_events WHERE project_id = $1 AND id = $2`,
      [projectId, id],
    );
    return rows[0] ?? null;
  }

  /**
   * The payloads of these events of the project as the JSON text PostgreSQL renders (`jsonb::text`),
   * by id: served as they are, never parsed by the service. An id of another project is left out.
   */
  async payloadTexts(projectId: string, ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.dataSource.query<{ id: string; payload: string }[]>(
      `SELECT id, payload::text AS payload FROM stripe_webhook_events WHERE project_id = $1 AND id = ANY($2::uuid[])`,
      [projectId, ids],
    );
    return new Map(rows.map((row) => [row.id, row.payload]));
  }

  /**
   * Deletes up to `limit` events received before `now() - olderThanMs` (oldest first, through the
   * received_at index); returns how many were deleted.
   */
  async deleteOlderThan(olderThanMs: number, limit: number): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(
      `DELETE FROM stripe_webhook_events WHERE id IN (
         SELECT id FROM stripe_webhook_events WHERE received_at < now() - make_interval(secs => $1::float8 / 1000)
          ORDER BY received_at LIMIT $2)
       RETURNING 1`,
      [olderThanMs, limit],
    );
    return rows.length;
  }

  /**
   * Keeps the project's newest events within `maxCount` events and `maxBytes` of payload: deletes up
   * to `limit` of the oldest beyond either. Reads the project's rows once (index on project_id, received_at).
   */
  async deleteBeyondQuota(projectId: string, maxCount: number, maxBytes: number, limit: number): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(
      `WITH ranked AS (
         SELECT id, row_number() OVER w AS n, sum(payload_size) OVER w AS bytes
           FROM stripe_webhook_events WHERE project_id = $1
         WINDOW w AS (ORDER BY received_at DESC, id DESC)
       )
       DELETE FROM stripe_webhook_events WHERE id IN (
         SELECT id FROM ranked WHERE n > $2 OR bytes > $3 ORDER BY n DESC LIMIT $4)
       RETURNING 1`,
      [projectId, maxCount, maxBytes, limit],
    );
    return rows.length;
  }

  /** Projects that hold events (for the first quota pass after start-up), at most `limit`. */
  async projectsWithEvents(limit: number): Promise<string[]> {
    const rows = (await this.dataSource.query(`SELECT DISTINCT project_id FROM stripe_webhook_events LIMIT $1`, [
      limit,
    ])) as { project_id: string }[];
    return rows.map((r) => r.project_id);
  }

  /**
   * Stored events after the id `after`, `limit` at a time in id order (keyset paging on the primary key),
   * with their payloads: what `npm run ledger:rebuild` projects. Any order will do: the projection does
   * not depend on it.
   */
  async pageById(
    after: string | null,
    limit: number,
  ): Promise<{ id: string; project_id: string; mode: StripeMode; payload: Record<string, unknown> }[]> {
    return this.dataSource.query(
      `SELECT id, project_id, mode, payload FROM stripe_webhook_events
        WHERE ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2`,
      [after, limit],
    );
  }

  /** When the last event of each mode was verified and stored (index on project_id, received_at); for the health report. */
  async lastVerifiedEvents(projectId: string): Promise<Record<StripeMode, Date | null>> {
    const rows = (await this.dataSource.query(
      `SELECT m.mode, (SELECT max(e.received_at) FROM stripe_webhook_events e
                         WHERE e.project_id = $1 AND e.mode = m.mode) AS last_at
         FROM (VALUES ('test'), ('live')) AS m (mode)`,
      [projectId],
    )) as { mode: StripeMode; last_at: Date | null }[];
    const result: Record<StripeMode, Date | null> = { test: null, live: null };
    for (const row of rows) result[row.mode] = row.last_at;
    return result;
  }
}
