import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { StripeMode } from '../stripe/stripe-keys';
import { CLIENT_SKETCH_SIZE, type CountedRefusal, type Pending } from './webhook-failures';

/** One statement per flush, whatever the number of keys: unnest the arrays, add to the stored counts. */
const FLUSH = `
INSERT INTO stripe_webhook_failure_counts AS f (project_id, mode, cause, bucket_start, failures, last_failure_at, client_hashes)
SELECT u.project_id, u.mode, u.cause, u.bucket_start, u.failures, u.last_failure_at,
       ARRAY(SELECT jsonb_array_elements_text(u.clients::jsonb)::bigint)
  FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::timestamptz[], $5::int[], $6::timestamptz[], $7::text[])
  AS u (project_id, mode, cause, bucket_start, failures, last_failure_at, clients)
 WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = u.project_id) -- a project deleted meanwhile is dropped
ON CONFLICT (project_id, mode, cause, bucket_start) DO UPDATE SET
  failures = f.failures + EXCLUDED.failures,
  last_failure_at = GREATEST(f.last_failure_at, EXCLUDED.last_failure_at),
  -- the sketch of the union: the smallest distinct hashes, never more than the sketch's size
  client_hashes = ARRAY(SELECT DISTINCT h FROM unnest(f.client_hashes || EXCLUDED.client_hashes) AS h ORDER BY h LIMIT $8)`;

/** Every statement on stripe_webhook_failure_counts (see WebhookFailureCounter). */
@Injectable()
export class WebhookFailureCountsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Adds counts gathered in memory to the stored ones: see FLUSH. */
  async add(batch: readonly Pending[]): Promise<void> {
    await this.dataSource.query(FLUSH, [
      batch.map((p) => p.projectId),
      batch.map((p) => p.mode),
      batch.map((p) => p.cause),
      batch.map((p) => p.bucketStart),
      batch.map((p) => p.failures),
      batch.map((p) => p.lastFailureAt),
      batch.map((p) => JSON.stringify(p.clients)),
      CLIENT_SKETCH_SIZE,
    ]);
  }

  /** Per cause, the refusals of the current hour and the 24 before it. Reads the primary key's prefix. */
  async last24Hours(
    projectId: string,
    mode: StripeMode,
  ): Promise<{ cause: CountedRefusal; failures: number; last_failure_at: Date }[]> {
    return (await this.dataSource.query(
      `SELECT cause, sum(failures)::int AS failures, max(last_failure_at) AS last_failure_at
         FROM stripe_webhook_failure_counts
        WHERE project_id = $1 AND mode = $2 AND bucket_start >= date_trunc('hour', now() - interval '24 hours')
        GROUP BY cause`,
      [projectId, mode],
    )) as { cause: CountedRefusal; failures: number; last_failure_at: Date }[];
  }

  /** The union of the client sketches of the last 24 h of these causes (the `size` smallest hashes). */
  async clientSketchLast24Hours(
    projectId: string,
    mode: StripeMode,
    causes: readonly string[],
    size: number,
  ): Promise<number[]> {
    const rows = (await this.dataSource.query(
      `SELECT DISTINCT h FROM stripe_webhook_failure_counts f, unnest(f.client_hashes) AS h
        WHERE f.project_id = $1 AND f.mode = $2 AND f.cause = ANY($3::varchar[])
          AND f.bucket_start >= date_trunc('hour', now() - interval '24 hours')
        ORDER BY h LIMIT $4`,
      [projectId, mode, causes, size],
    )) as { h: string }[];
    return rows.map((r) => Number(r.h));
  }

  async deleteOlderThan(hours: number): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM stripe_webhook_failure_counts WHERE bucket_start < now() - make_interval(hours => $1)`,
      [hours],
    );
  }
}
