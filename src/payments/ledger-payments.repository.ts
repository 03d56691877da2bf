import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { StripeMode } from '../stripe/stripe-keys';
import { isoTime, ledgerPageStatement, pageAndTotal, type LedgerListFilter } from './ledger-page';

/** One event's word on a payment. */
export interface PaymentCandidate {
  /** The payment intent (or the charge, or the invoice until linked): the row's key. */
  key: string;
  invoiceId: string | null;
  stripeSubscriptionId: string | null;
  userId: string | null;
  status: string;
  amount: number;
  currency: string;
  description: string | null;
  refunded: number;
  createdAt: Date;
  statusVersion: number;
  eventId: string;
  /** The description's own (version, event id) when it differs from the state's (a row folded into another). */
  descriptionVersion?: number;
  descriptionEventId?: string;
}

export interface PaymentRow {
  id: string;
  project_id: string;
  mode: StripeMode;
  subscription_id: string | null;
  user_id: string | null;
  payment_intent_id: string;
  status: string;
  amount_cents: string;
  currency: string;
  description: string | null;
  refunded_amount_cents: string;
  /** In the response's ISO form (isoTime). */
  stripe_created_at: string;
}

/** A payment is refunded once its refunds reach its amount; partly refunded ones stay succeeded. */
const STATUS = `CASE WHEN p.refunded_amount_cents > 0 AND p.refunded_amount_cents >= p.amount_cents
                     THEN 'refunded' ELSE p.status END`;

const NEWER = `(EXCLUDED.status_version, EXCLUDED.status_event_id) > (p.status_version, p.status_event_id)`;
const DESCRIPTION_NEWER = `(EXCLUDED.description_version, EXCLUDED.description_event_id)
  > (p.description_version, p.description_event_id)`;

/**
 * The state (status, amount, currency) follows the greatest (version, event id) (ledger-order.ts);
 * the description follows the greatest (version, event id) among the events that carry one (a candidate
 * without one has version -1, below any stored one), so an event that lacks it never erases it; links
 * are kept once known (LEAST ignores NULL; should sources disagree, the smallest wins); the refunded
 * amount only grows; `created` is the earliest seen. Each is commutative, so any delivery order ends in
 * the same row. `p.` is the row before this statement.
 */
const UPSERT = `
INSERT INTO ledger_payments AS p (project_id, mode, payment_intent_id, invoice_id, stripe_subscription_id, user_id,
  status, amount_cents, currency, description, refunded_amount_cents, stripe_created_at, status_version, status_event_id,
  description_version, description_event_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
ON CONFLICT ON CONSTRAINT "UQ_ledger_payments_project_mode_payment_intent" DO UPDATE SET
  invoice_id = LEAST(p.invoice_id, EXCLUDED.invoice_id),
  stripe_subscription_id = LEAST(p.stripe_subscription_id, EXCLUDED.stripe_subscription_id),
  user_id = LEAST(p.user_id, EXCLUDED.user_id),
  status = CASE WHEN ${NEWER} THEN EXCLUDED.status ELSE p.status END,
  amount_cents = CASE WHEN ${NEWER} THEN EXCLUDED.amount_cents ELSE p.amount_cents END,
  currency = CASE WHEN ${NEWER} THEN EXCLUDED.currency ELSE p.currency END,
  description = CASE WHEN ${DESCRIPTION_NEWER} THEN EXCLUDED.description ELSE p.description END,
  description_version = CASE WHEN ${DESCRIPTION_NEWER} THEN EXCLUDED.description_version ELSE p.description_version END,
  description_event_id = CASE WHEN ${DESCRIPTION_NEWER} THEN EXCLUDED.description_event_id
                              ELSE p.description_event_id END,
  status_version = CASE WHEN ${NEWER} THEN EXCLUDED.status_version ELSE p.status_version END,
  status_event_id = CASE WHEN ${NEWER} THEN EXCLUDED.status_event_id ELSE p.status_event_id END,
  refunded_amount_cents = GREATEST(p.refunded_amount_cents, EXCLUDED.refunded_amount_cents),
  stripe_created_at = LEAST(p.stripe_created_at, EXCLUDED.stripe_created_at),
  updated_at = now()`;

const COLUMNS = `p.id, p.project_id, p.mode, s.id AS subscription_id, COALESCE(p.user_id, s.user_id) AS user_id,
  p.payment_intent_id, ${STATUS} AS status, p.amount_cents, p.currency, p.description, p.refunded_amount_cents,
  ${isoTime('p.stripe_created_at', 'stripe_created_at')}`;

/** A payment's subscription is the ledger row of its Stripe subscription, whichever was projected first. */
const JOIN_SUBSCRIPTION = `LEFT JOIN ledger_subscriptions s
  ON s.project_id = p.project_id AND s.mode = p.mode AND s.stripe_subscription_id = p.stripe_subscription_id`;

const LIST = { table: 'ledger_payments', alias: 'p', columns: COLUMNS, joins: JOIN_SUBSCRIPTION, status: STATUS };

/** Every statement on ledger_payments. Writes take the caller's transaction; every query is keyed by project. */
@Injectable()
export class LedgerPaymentsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async upsert(tx: EntityManager, projectId: string, mode: StripeMode, c: PaymentCandidate): Promise<void> {
    await tx.query(UPSERT, [
      projectId,
      mode,
      c.key,
      c.invoiceId,
      c.stripeSubscriptionId,
      c.userId,
      c.status,
      c.amount,
      c.currency,
      c.description,
      c.refunded,
      c.createdAt,
      c.statusVersion,
      c.eventId,
      c.description === null ? -1 : (c.descriptionVersion ?? c.statusVersion),
      c.description === null ? '' : (c.descriptionEventId ?? c.eventId),
    ]);
  }

  /**
   * Serialises, until the caller's transaction ends, everything that reads or links one invoice's
   * payment (an invoice event and the invoice_payment naming its payment intent may arrive together).
   */
  async lockInvoice(tx: EntityManager, projectId: string, mode: StripeMode, invoiceId: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('ledger-invoice:' || $1 || ':' || $2 || ':' || $3))`, [
      projectId,
      mode,
      invoiceId,
    ]);
  }

  /** The key of the payment row already holding this invoice, if any. */
  async keyOfInvoice(
    tx: EntityManager,
    projectId: string,
    mode: StripeMode,
    invoiceId: string,
  ): Promise<string | null> {
    const rows: { payment_intent_id: string }[] = await tx.query(
      `SELECT payment_intent_id FROM ledger_payments WHERE project_id = $1 AND mode = $2 AND invoice_id = $3`,
      [projectId, mode, invoiceId],
    );
    return rows[0]?.payment_intent_id ?? null;
  }

  /**
   * Removes and returns the row of `invoiceId` keyed by something other than `key` (the invoice itself,
   * before its payment intent was known), as a candidate to fold into the payment intent's row.
   */
  async takeOtherRowOfInvoice(
    tx: EntityManager,
    projectId: string,
    mode: StripeMode,
    invoiceId: string,
    key: string,
  ): Promise<PaymentCandidate | null> {
    const rows: Record<string, unknown>[] = await tx.query(
      `DELETE FROM ledger_payments WHERE project_id = $1 AND mode = $2 AND invoice_id = $3 AND payment_intent_id <> $4
       RETURNING payment_intent_id, invoice_id, stripe_subscription_id, user_id, status, amount_cents, currency,
                 description, refunded_amount_cents, stripe_created_at, status_version, status_event_id,
                 description_version, description_event_id`,
      [projectId, mode, invoiceId, key],
    );
    const row = (Array.isArray(rows[0]) ? (rows[0] as Record<string, unknown>[]) : rows)[0];
    if (!row) return null;
    return {
      key,
      invoiceId: row.invoice_id as string,
      stripeSubscriptionId: row.stripe_subscription_id as string | null,
      userId: row.user_id as string | null,
      status: row.status as string,
      amount: Number(row.amount_cents),
      currency: row.currency as string,
      description: row.description as string | null,
      refunded: Number(row.refunded_amount_cents),
      createdAt: row.stripe_created_at as Date,
      statusVersion: Number(row.status_version),
      eventId: row.status_event_id as string,
      descriptionVersion: Number(row.description_version),
      descriptionEventId: row.description_event_id as string,
    };
  }

  /** One page, newest first by Stripe's `created` (ties by id), and the total matching the filter. */
  async list(filter: LedgerListFilter): Promise<[PaymentRow[], number]> {
    const { sql, params } = ledgerPageStatement(LIST, filter);
    return pageAndTotal(await this.dataSource.query<(PaymentRow & { total: number })[]>(sql, params));
  }

  /**
   * Per currency in one mode: payments, successful ones (succeeded, refunds netted from the revenue
   * of succeeded and refunded ones) and revenue. Sums are numeric in SQL, returned as text.
   */
  async totalsByCurrency(
    projectIds: string[],
    mode: StripeMode,
  ): Promise<{ currency: string; payments: number; successful: number; revenue: string }[]> {
    return this.dataSource.query(
      `SELECT p.currency, count(*)::int AS payments,
              count(*) FILTER (WHERE ${STATUS} = 'succeeded')::int AS successful,
              COALESCE(sum(p.amount_cents - LEAST(p.refunded_amount_cents, p.amount_cents))
                         FILTER (WHERE p.status = 'succeeded'), 0)::text AS revenue
         FROM ledger_payments p WHERE p.project_id = ANY($1::uuid[]) AND p.mode = $2
        GROUP BY p.currency ORDER BY p.currency`,
      [projectIds, mode],
    );
  }
}
