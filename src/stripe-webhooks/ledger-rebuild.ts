import type { DataSource } from 'typeorm';
import type { LedgerEvent, LedgerOutcome, LedgerProjector } from '../payments/ledger-projector';
import type { StripeWebhookEventsRepository } from './stripe-webhook-events.repository';

export interface LedgerRebuildReport {
  events: number;
  applied: number;
  ignored: number;
  unprojectable: number;
}

/**
 * Projects every stored event through the ledger's projector (`npm run ledger:rebuild`): for events
 * stored before the ledger existed, or after a change of the projection. Only upserts, under the same
 * order rule as a delivery, so running it again (or while deliveries arrive) changes nothing that is
 * already right. One transaction per batch; failures it meets are not counted again (they were
 * counted at delivery) unless `countFailures`.
 */
export async function rebuildLedger(
  dataSource: DataSource,
  events: StripeWebhookEventsRepository,
  projector: LedgerProjector,
  options: { batchSize?: number; countFailures?: boolean; onBatch?: (report: LedgerRebuildReport) => void } = {},
): Promise<LedgerRebuildReport> {
  const report: LedgerRebuildReport = { events: 0, applied: 0, ignored: 0, unprojectable: 0 };
  let after: string | null = null;
  for (;;) {
    const page = await events.pageById(after, options.batchSize ?? 200);
    if (page.length === 0) return report;
    await dataSource.transaction(async (tx) => {
      for (const row of page) {
        const outcome: LedgerOutcome = await projector.project(
          tx,
          row.project_id,
          row.mode,
          row.payload as unknown as LedgerEvent,
          {
            countFailures: options.countFailures ?? false,
          },
        );
        report.events += 1;
        report[outcome] += 1;
      }
    });
    after = page[page.length - 1].id;
    options.onBatch?.(report);
  }
}
