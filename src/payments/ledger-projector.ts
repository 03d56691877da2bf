import { Injectable } from '@nestjs/common';
import { QueryFailedError, type EntityManager } from 'typeorm';
import type { StripeMode } from '../stripe/stripe-keys';
import {
  detailsVersion,
  guessedPaymentVersion,
  guessedSubscriptionVersion,
  paymentStatusOf,
  paymentStatusVersion,
  subscriptionStatusVersion,
} from './ledger-order';
import { LedgerPaymentsRepository, type PaymentCandidate } from './ledger-payments.repository';
import { LedgerProductNamesRepository } from './ledger-product-names.repository';
import { LedgerProjectionFailuresRepository } from './ledger-projection-failures.repository';
import {
  isObject,
  readCharge,
  readCheckoutSession,
  readInvoice,
  readInvoicePayment,
  readPaymentIntent,
  readSubscription,
  UnprojectableEvent,
  type JsonObject,
} from './ledger-reading';
import { LedgerSubscriptionsRepository } from './ledger-subscriptions.repository';
import { LedgerLookups } from './ledger-lookups';

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

/** The event types the ledger reads; the webhook endpoint this service creates subscribes to all of them. */
export const LEDGER_EVENT_TYPES = [
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.paid',
  'invoice.payment_failed',
  'invoice_payment.paid',
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'charge.refunded',
] as const;

/** Also read when they arrive (a developer's own endpoint may send them), not subscribed to. */
const OTHER_SUBSCRIPTION_EVENTS = new Set([
  'customer.subscription.paused',
  'customer.subscription.resumed',
  'customer.subscription.pending_update_applied',
  'customer.subscription.pending_update_expired',
]);

const SAVEPOINT = 'ledger_projection';

/** PostgreSQL refused a value (class 22 data exception, class 23 integrity): the event, not the database, is at fault. */
function dataErrorCode(error: unknown): string | null {
  if (!(error instanceof QueryFailedError)) return null;
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^2[23]/.test(code) ? code : null;
}

/**
 * Turns Stripe events into the subscriptions and payments of a project's ledger, one mode at a time.
 * Everything an event changes is written in the caller's transaction (the delivery's, with the event
 * row), under the order rule of ledger-order.ts. An event the ledger cannot read is counted (health
 * report) and its partial writes rolled back to a savepoint: the delivery itself still succeeds.
 */
@Injectable()
export class LedgerProjector {
  constructor(
    private readonly subscriptions: LedgerSubscriptionsRepository,
    private readonly payments: LedgerPaymentsRepository,
    private readonly productNames: LedgerProductNamesRepository,
    private readonly failures: LedgerProjectionFailuresRepository,
    private readonly lookups: LedgerLookups,
  ) {}

  /**
   * Applies one event to the ledger of (projectId, mode) inside the caller's transaction (`tx` must be
   * in one: a savepoint is taken). Idempotent and order-independent. An unprojectable event is counted
   * for the health report unless `options.countFailures` is false (a rebuild meets them again).
   */
  async project(
    tx: EntityManager,
    projectId: string,
    mode: StripeMode,
    event: LedgerEvent,
    options: { countFailures?: boolean } = {},
  ): Promise<LedgerOutcome> {
    await tx.query(`SAVEPOINT ${SAVEPOINT}`);
    try {
      const outcome = await this.apply(tx, projectId, mode, event);
      await tx.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
      return outcome;
    } catch (error) {
      const code = dataErrorCode(error);
      let reason: string;
      if (error instanceof UnprojectableEvent) reason = error.reason;
      else if (code) reason = `a value was refused by the database (${code})`;
      else throw error;
      await tx.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
      if (options.countFailures !== false) {
        await this.failures.record(tx, projectId, mode, { id: String(event.id), type: String(event.type) }, reason);
      }
      return 'unprojectable';
    }
  }

  private async apply(
    tx: EntityManager,
    projectId: string,
    mode: StripeMode,
    event: LedgerEvent,
  ): Promise<LedgerOutcome> {
    const object: unknown = isObject(event.data) ? event.data.object : undefined;
    if (!isRelevant(event.type)) return 'ignored';
    if (!isObject(object)) throw new UnprojectableEvent('data.object is not an object');
    if (!Number.isInteger(event.created) || event.created < 0 || event.created >= 1e11) {
      throw new UnprojectableEvent('created is not a timestamp');
    }
    const ctx: Context = { tx, projectId, mode, event };
    switch (event.type) {
      case 'checkout.session.completed':
        return this.checkoutSession(ctx, object);
      case 'invoice.paid':
      case 'invoice.payment_succeeded':
      case 'invoice.payment_failed':
        return this.invoice(ctx, object);
      case 'invoice_payment.paid':
        return this.invoicePayment(ctx, object);
      case 'payment_intent.succeeded':
      case 'payment_intent.payment_failed':
      case 'payment_intent.canceled':
      case 'payment_intent.processing':
        return this.paymentIntent(ctx, object);
      case 'charge.succeeded':
      case 'charge.failed':
      case 'charge.refunded':
        return this.charge(ctx, object);
      default:
        return this.subscription(ctx, object);
    }
  }

  private async checkoutSession(ctx: Context, object: JsonObject): Promise<LedgerOutcome> {
    const session = readCheckoutSession(object);
    let applied = false;
    if (session.subscriptionId) {
      const status =
        session.paymentStatus === 'paid'
          ? 'active'
          : session.paymentStatus === 'no_payment_required'
            ? 'trialing'
            : 'incomplete';
      await this.subscriptions.upsert(ctx.tx, ctx.projectId, ctx.mode, {
        stripeId: session.subscriptionId,
        userId: session.userId,
        customerId: session.customerId,
        status,
        statusVersion: guessedSubscriptionVersion(status),
        eventId: ctx.event.id,
        details: null,
        detailsVersion: -1,
        createdAt: session.createdAt,
      });
      applied = true;
    }
    if (session.paymentIntentId && session.currency && session.amountTotal !== null) {
      const status = session.paymentStatus === 'paid' ? 'succeeded' : 'pending';
      await this.payments.upsert(ctx.tx, ctx.projectId, ctx.mode, {
        key: session.paymentIntentId,
        invoiceId: null,
        stripeSubscriptionId: session.subscriptionId,
        userId: session.userId,
        status,
        amount: session.amountTotal,
        currency: session.currency,
        description: null,
        refunded: 0,
        createdAt: session.createdAt,
        statusVersion: guessedPaymentVersion(status),
        eventId: ctx.event.id,
      });
      applied = true;
    }
    return applied ? 'applied' : 'ignored';
  }

  private async subscription(ctx: Context, object: JsonObject): Promise<LedgerOutcome> {
    const sub = readSubscription(object);
    const status = ctx.event.type === 'customer.subscription.deleted' ? 'canceled' : sub.status;
    await this.subscriptions.upsert(ctx.tx, ctx.projectId, ctx.mode, {
      stripeId: sub.stripeId,
      userId: sub.userId,
      customerId: null,
      status,
      statusVersion: subscriptionStatusVersion(status, ctx.event.created),
      eventId: ctx.event.id,
      details: sub.details,
      detailsVersion: detailsVersion(ctx.event.created),
      createdAt: sub.createdAt,
    });
    const { productId, productName, priceNickname } = sub.details;
    if (productId && productName) {
      await this.productNames.save(ctx.projectId, ctx.mode, productId, productName, ctx.tx);
    } else if (productId && !priceNickname) {
      // Looked up in Stripe outside this transaction, once per product (the plan name is read with a join).
      this.lookups.request(ctx.projectId, ctx.mode, productId);
    }
    return 'applied';
  }

  private async invoice(ctx: Context, object: JsonObject): Promise<LedgerOutcome> {
    const invoice = readInvoice(object);
    const failed = ctx.event.type === 'invoice.payment_failed';
    const amount = failed ? invoice.amountDue : invoice.amountPaid;
    let applied = false;
    if (amount > 0 || invoice.paymentIntentId) {
      const key = await this.linkInvoice(ctx, invoice.invoiceId, invoice.paymentIntentId);
      // 2025+ shapes: ask Stripe for the payment intent, after this transaction (see LedgerLookups).
      if (key === invoice.invoiceId) this.lookups.requestInvoicePayment(ctx.projectId, ctx.mode, invoice.invoiceId);
      const status = failed ? 'failed' : 'succeeded';
      await this.payments.upsert(ctx.tx, ctx.projectId, ctx.mode, {
        key,
        invoiceId: invoice.invoiceId,
        stripeSubscriptionId: invoice.subscriptionId,
        userId: null,
        status,
        amount,
        currency: invoice.currency,
        description: invoice.description,
        refunded: 0,
        createdAt: invoice.createdAt,
        statusVersion: paymentStatusVersion(status, ctx.event.created),
        eventId: ctx.event.id,
      });
      applied = true;
    }
    if (failed && invoice.subscriptionId) {
      await this.subscriptions.upsert(ctx.tx, ctx.projectId, ctx.mode, {
        stripeId: invoice.subscriptionId,
        userId: null,
        customerId: invoice.customerId,
        status: 'past_due',
        statusVersion: subscriptionStatusVersion('past_due', ctx.event.created),
        eventId: ctx.event.id,
        details: null,
        detailsVersion: -1,
        createdAt: new Date(ctx.event.created * 1000),
      });
      applied = true;
    }
    return applied ? 'applied' : 'ignored';
  }

  private async invoicePayment(ctx: Context, object: JsonObject): Promise<LedgerOutcome> {
    const payment = readInvoicePayment(object);
    if (!payment.paymentKey) return 'ignored'; // paid out of band: no payment intent, no payment row
    const key = await this.linkInvoice(ctx, payment.invoiceId, payment.paymentKey);
    const status = paymentStatusOf(payment.status);
    await this.payments.upsert(ctx.tx, ctx.projectId, ctx.mode, {
      key,
      invoiceId: payment.invoiceId,
      stripeSubscriptionId: null,
      userId: null,
      status,
      amount: payment.amount,
      currency: payment.currency,
      description: null,
      refunded: 0,
      createdAt: payment.createdAt,
      statusVersion: paymentStatusVersion(status, ctx.event.created),
      eventId: ctx.event.id,
    });
    return 'applied';
  }

  private async paymentIntent(ctx: Context, object: JsonObject): Promise<LedgerOutcome> {
    const intent = readPaymentIntent(object);
    const status =
      {
        'payment_intent.succeeded': 'succeeded',
        'payment_intent.payment_failed': 'failed',
        'payment_intent.canceled': 'canceled',
      }[ctx.event.type] ?? 'pending';
    const key = intent.invoiceId
      ? await this.linkInvoice(ctx, intent.invoiceId, intent.paymentIntentId)
      : intent.paymentIntentId;
    await this.payments.upsert(ctx.tx, ctx.projectId, ctx.mode, {
      key,
      invoiceId: intent.invoiceId,
      stripeSubscriptionId: null,
      userId: intent.userId,
      status,
      amount: intent.amount,
      currency: intent.currency,
      description: intent.description,
      refunded: 0,
      createdAt: intent.createdAt,
      statusVersion: paymentStatusVersion(status, ctx.event.created),
      eventId: ctx.event.id,
    });
    return 'applied';
  }

  private async charge(ctx: Context, object: JsonObject): Promise<LedgerOutcome> {
    const charge = readCharge(object);
    const status = ctx.event.type === 'charge.failed' ? 'failed' : paymentStatusOf(charge.status);
    const key = charge.invoiceId ? await this.linkInvoice(ctx, charge.invoiceId, charge.paymentKey) : charge.paymentKey;
    const candidate: PaymentCandidate = {
      key,
      invoiceId: charge.invoiceId,
      stripeSubscriptionId: null,
      userId: charge.userId,
      status,
      amount: charge.amount,
      currency: charge.currency,
      description: charge.description,
      refunded: Math.min(charge.amountRefunded, charge.amount),
      createdAt: charge.createdAt,
      statusVersion: paymentStatusVersion(status, ctx.event.created),
      eventId: ctx.event.id,
    };
    await this.payments.upsert(ctx.tx, ctx.projectId, ctx.mode, candidate);
    return 'applied';
  }

  /**
   * The key of the payment row for an invoice: its payment intent when the event names one (a row
   * kept under the invoice id until then is folded into it, under the same order rule), else the row
   * that already holds the invoice, else the invoice id itself. Serialised per invoice.
   */
  private async linkInvoice(ctx: Context, invoiceId: string, paymentKey: string | null): Promise<string> {
    const { tx, projectId, mode } = ctx;
    await this.payments.lockInvoice(tx, projectId, mode, invoiceId);
    if (!paymentKey) return (await this.payments.keyOfInvoice(tx, projectId, mode, invoiceId)) ?? invoiceId;
    const earlier = await this.payments.takeOtherRowOfInvoice(tx, projectId, mode, invoiceId, paymentKey);
    if (earlier) await this.payments.upsert(tx, projectId, mode, earlier);
    return paymentKey;
  }
}

interface Context {
  tx: EntityManager;
  projectId: string;
  mode: StripeMode;
  event: LedgerEvent;
}

const READ_TYPES = new Set<string>([
  ...LEDGER_EVENT_TYPES,
  ...OTHER_SUBSCRIPTION_EVENTS,
  'invoice.payment_succeeded',
  'payment_intent.canceled',
  'payment_intent.processing',
  'charge.succeeded',
  'charge.failed',
]);

function isRelevant(type: string): boolean {
  return READ_TYPES.has(type);
}
