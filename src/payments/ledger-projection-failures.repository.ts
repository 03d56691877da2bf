import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { StripeMode } from '../stripe/stripe-keys';

export interface ProjectionFailureSummary {
  mode: StripeMode;
  count: number;
  lastEventId: string;
  lastEventType: string;
  lastReason: string;
  lastAt: Date;
}

/** Every statement on ledger_projection_failures: events stored but not readable by the ledger. */
@Injectable()
export class LedgerProjectionFailuresRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(
    tx: EntityManager,
    projectId: string,
    mode: StripeMode,
    event: { id: string; type: string },
    reason: string,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO ledger_projection_failures AS f (project_id, mode, unprojectable_count, last_event_id, last_event_type, last_reason)
       VALUES ($1, $2, 1, $3, $4, $5)
       ON CONFLICT ON CONSTRAINT "PK_ledger_projection_failures" DO UPDATE SET
         unprojectable_count = LEAST(f.unprojectable_count, 2147483646) + 1, last_event_id = EXCLUDED.last_event_id,
         last_event_type = EXCLUDED.last_event_type, last_reason = EXCLUDED.last_reason, last_at = now()`,
      [projectId, mode, event.id.slice(0, 255), event.type.slice(0, 255), reason.slice(0, 255)],
    );
  }

  async forProject(projectId: string): Promise<ProjectionFailureSummary[]> {
    const rows = await this.dataSource.query<
      { mode: StripeMode; count: number; id: string; type: string; reason: string; at: Date }[]
    >(
      `SELECT mode, unprojectable_count AS count, last_event_id AS id, last_event_type AS type,
              last_reason AS reason, last_at AS at
         FROM ledger_projection_failures WHERE project_id = $1 ORDER BY mode`,
      [projectId],
    );
    return rows.map((r) => ({
      mode: r.mode,
      count: r.count,
      lastEventId: r.id,
      lastEventType: r.type,
      lastReason: r.reason,
      lastAt: r.at,
    }));
  }
}
