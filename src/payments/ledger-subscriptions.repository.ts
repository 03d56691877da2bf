import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { StripeMode } from '../stripe/stripe-keys';
import { isoTime, ledgerPageStatement, pageAndTotal, type LedgerListFilter } from './ledger-page';
import type { SubscriptionDetails } from './ledger-reading';

/** One event's word on a subscription: its status (always), its details (only from a subscription object). */
export interface SubscriptionCandidate {
  stripeId: string;
  userId: string | null;
  /** A customer named by an event that carries no details (checkout session): kept when none is known. */
  customerId: string | null;
  status: string;
  statusVersion: number;
  eventId: string;
  details: SubscriptionDetails | null;
  detailsVersion: number;
  /** The subscription's own `created` when the event carries the subscription, else the event's. */
  createdAt: Date;
}

export interface SubscriptionRow {
  id: string;
  project_id: string;
  mode: StripeMode;
  stripe_subscription_id: string;
  user_id: string | null;
  customer_id: string | null;
  status: string;
  plan_name: string | null;
  quantity: number;
  /** Timestamps in the response's ISO form (isoTime). */
  current_period_start: string | null;
  current_period_end: string | null;
  cancel_at: string | null;
  cancelled_at: string | null;
  stripe_created_at: string;
}

/**
 * Keeps each column group at its greatest (version, event id) (ledger-order.ts): one statement, so
 * the row lock ON CONFLICT takes serialises concurrent deliveries for one subscription and none is lost.
 * In SET, `s.` is the row before this statement. A candidate without details has details_version -1.
 * Ids named by several sources are merged with LEAST (NULL ignored; should sources disagree, the
 * smallest wins): commutative too.
 */
const UPSERT = `
INSERT INTO ledger_subscriptions AS s (project_id, mode, stripe_subscription_id, user_id, customer_id, status,
  status_version, status_event_id, price_nickname, product_id, quantity, current_period_start, current_period_end,
  cancel_at, cancelled_at, details_version, details_event_id, stripe_created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
ON CONFLICT ON CONSTRAINT "UQ_ledger_subscriptions_project_mode_stripe_id" DO UPDATE SET
  user_id = LEAST(s.user_id, EXCLUDED.user_id),
  status = CASE WHEN ${newer('status')} THEN EXCLUDED.status ELSE s.status END,
  status_version = CASE WHEN ${newer('status')} THEN EXCLUDED.status_version ELSE s.status_version END,
  status_event_id = CASE WHEN ${newer('status')} THEN EXCLUDED.status_event_id ELSE s.status_event_id END,
  customer_id = CASE WHEN EXCLUDED.details_version >= 0 AND ${newer('details')} THEN EXCLUDED.customer_id
                     WHEN s.details_version >= 0 THEN s.customer_id
                     ELSE LEAST(s.customer_id, EXCLUDED.customer_id) END,
  ${[
    'price_nickname',
    'product_id',
    'quantity',
    'current_period_start',
    'current_period_end',
    'cancel_at',
    'cancelled_at',
    'details_version',
    'details_event_id',
  ]
    .map((column) => `${column} = CASE WHEN ${newer('details')} THEN EXCLUDED.${column} ELSE s.${column} END`)
    .join(',\n  ')},
  stripe_created_at = CASE WHEN EXCLUDED.details_version >= 0 THEN EXCLUDED.stripe_created_at
                           WHEN s.details_version >= 0 THEN s.stripe_created_at
                           ELSE LEAST(s.stripe_created_at, EXCLUDED.stripe_created_at) END,
  updated_at = now()
RETURNING id`;

function newer(group: 'status' | 'details'): string {
  return `(EXCLUDED.${group}_version, EXCLUDED.${group}_event_id) > (s.${group}_version, s.${group}_event_id)`;
}

const COLUMNS = `s.id, s.project_id, s.mode, s.stripe_subscription_id, s.user_id, s.customer_id, s.status,
  COALESCE(s.price_nickname, pn.name) AS plan_name, s.quantity,
  ${['current_period_start', 'current_period_end', 'cancel_at', 'cancelled_at', 'stripe_created_at']
    .map((column) => isoTime(`s.${column}`, column))
    .join(', ')}`;

const LIST = {
  table: 'ledger_subscriptions',
  alias: 's',
  columns: COLUMNS,
  joins: `LEFT JOIN ledger_product_names pn
    ON pn.project_id = s.project_id AND pn.mode = s.mode AND pn.product_id = s.product_id`,
  status: 's.status',
};

/** Every statement on ledger_subscriptions. Writes take the caller's transaction; every query is keyed by project. */
@Injectable()
export class LedgerSubscriptionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async upsert(tx: EntityManager, projectId: string, mode: StripeMode, c: SubscriptionCandidate): Promise<string> {
    const d = c.details;
    const rows: { id: string }[] = await tx.query(UPSERT, [
      projectId,
      mode,
      c.stripeId,
      c.userId,
      d?.customerId ?? c.customerId,
      c.status,
      c.statusVersion,
      c.eventId,
      d?.priceNickname ?? null,
      d?.productId ?? null,
      d?.quantity ?? 1,
      d?.currentPeriodStart ?? null,
      d?.currentPeriodEnd ?? null,
      d?.cancelAt ?? null,
      d?.cancelledAt ?? null,
      d ? c.detailsVersion : -1,
      d ? c.eventId : '',
      c.createdAt,
    ]);
    return rows[0].id;
  }

  /** One page, newest first by Stripe's `created` (ties by id), and the total matching the filter. */
  async list(filter: LedgerListFilter): Promise<[SubscriptionRow[], number]> {
    const { sql, params } = ledgerPageStatement(LIST, filter);
    return pageAndTotal(await this.dataSource.query<(SubscriptionRow & { total: number })[]>(sql, params));
  }

  /** Subscriptions of the projects in one mode: all, and active (active or trialing). */
  async counts(projectIds: string[], mode: StripeMode): Promise<{ total: number; active: number }> {
    const rows = await this.dataSource.query<{ total: number; active: number }[]>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE status IN ('active', 'trialing'))::int AS active
         FROM ledger_subscriptions WHERE project_id = ANY($1::uuid[]) AND mode = $2`,
      [projectIds, mode],
    );
    return rows[0];
  }

  /** Products named by subscriptions of the project and mode whose name is not cached yet (at most `limit`). */
  async productsWithoutName(projectId: string, mode: StripeMode, limit: number): Promise<string[]> {
    const rows = await this.dataSource.query<{ product_id: string }[]>(
      `SELECT DISTINCT s.product_id FROM ledger_subscriptions s
        WHERE s.project_id = $1 AND s.mode = $2 AND s.product_id IS NOT NULL AND s.price_nickname IS NULL
          AND NOT EXISTS (SELECT 1 FROM ledger_product_names pn
                           WHERE pn.project_id = s.project_id AND pn.mode = s.mode AND pn.product_id = s.product_id)
        LIMIT $3`,
      [projectId, mode, limit],
    );
    return rows.map((row) => row.product_id);
  }
}
