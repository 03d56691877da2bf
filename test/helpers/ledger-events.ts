import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Stripe from 'stripe';
import type { TestApp } from './test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Stripe's own example objects, before (2024-12-14) and after (2026-07-29) the 2025 API changes. */
const FIXTURES = JSON.parse(
  readFileSync(join(__dirname, '..', 'reference', 'stripe', 'fixtures.json'), 'utf8'),
) as Record<StripeShape, Record<string, Json>>;

export type StripeShape = '2024-12-14' | '2026-07-29';

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A Stripe example object of one shape, with `changes` applied on top (top-level keys replaced). */
export function stripeObject(shape: StripeShape, resource: string, changes: Json = {}): Json {
  return { ...clone(FIXTURES[shape][resource]), ...changes };
}

/** A test-mode event around `object`. */
export function stripeEvent(id: string, type: string, created: number, object: Json, shape?: StripeShape): Json {
  return {
    id,
    object: 'event',
    api_version: shape === '2024-12-14' ? '2024-12-18.acacia' : '2026-07-29.dahlia',
    created,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  };
}

export interface SubscriptionSpec {
  id: string;
  customer: string;
  status: string;
  created: number;
  periodStart: number;
  periodEnd: number;
  quantity?: number;
  nickname?: string | null;
  product?: string;
  canceledAt?: number | null;
  userId?: string;
}

/** A subscription object in either shape: the period on the subscription (2024) or on its item (2026). */
export function subscriptionObject(shape: StripeShape, spec: SubscriptionSpec): Json {
  const sub = stripeObject(shape, 'subscription', {
    id: spec.id,
    customer: spec.customer,
    status: spec.status,
    created: spec.created,
    cancel_at: null,
    canceled_at: spec.canceledAt ?? null,
    ended_at: spec.canceledAt ?? null,
    metadata: spec.userId ? { user_id: spec.userId } : {},
  });
  const item = sub.items.data[0];
  item.quantity = spec.quantity ?? 1;
  item.subscription = spec.id;
  item.price.nickname = spec.nickname ?? null;
  item.price.product = spec.product ?? 'prod_QXg1hqf4jFNsqG';
  if (shape === '2024-12-14') {
    sub.current_period_start = spec.periodStart;
    sub.current_period_end = spec.periodEnd;
  } else {
    item.current_period_start = spec.periodStart;
    item.current_period_end = spec.periodEnd;
  }
  sub.items.data = [item];
  return sub;
}

export interface InvoiceSpec {
  id: string;
  subscription: string;
  customer: string;
  amount: number;
  currency?: string;
  created: number;
  status: 'paid' | 'open';
  paymentIntent?: string;
}

/** An invoice object: `subscription`/`payment_intent` (2024) or `parent.subscription_details` (2026). */
export function invoiceObject(shape: StripeShape, spec: InvoiceSpec): Json {
  const invoice = stripeObject(shape, 'invoice', {
    id: spec.id,
    customer: spec.customer,
    created: spec.created,
    currency: spec.currency ?? 'usd',
    status: spec.status,
    amount_due: spec.amount,
    amount_paid: spec.status === 'paid' ? spec.amount : 0,
    amount_remaining: spec.status === 'paid' ? 0 : spec.amount,
    billing_reason: 'subscription_cycle',
  });
  if (shape === '2024-12-14') {
    invoice.subscription = spec.subscription;
    invoice.payment_intent = spec.paymentIntent ?? null;
  } else {
    invoice.parent = {
      quote_details: null,
      subscription_details: { metadata: {}, subscription: spec.subscription },
      type: 'subscription_details',
    };
  }
  return invoice;
}

export function invoicePaymentObject(spec: {
  id: string;
  invoice: string;
  paymentIntent: string;
  amount: number;
  created: number;
}): Json {
  return stripeObject('2026-07-29', 'invoice_payment', {
    id: spec.id,
    invoice: spec.invoice,
    amount_paid: spec.amount,
    amount_requested: spec.amount,
    currency: 'usd',
    created: spec.created,
    livemode: false,
    status: 'paid',
    payment: { type: 'payment_intent', payment_intent: spec.paymentIntent },
    status_transitions: { canceled_at: null, paid_at: spec.created },
  });
}

export function paymentIntentObject(
  shape: StripeShape,
  spec: { id: string; amount: number; created: number; status: string; invoice?: string; customer?: string },
): Json {
  const intent = stripeObject(shape, 'payment_intent', {
    id: spec.id,
    amount: spec.amount,
    amount_received: spec.status === 'succeeded' ? spec.amount : 0,
    created: spec.created,
    currency: 'usd',
    status: spec.status,
    customer: spec.customer ?? null,
    canceled_at: null,
    description: 'Subscription update',
    client_secret: `${spec.id}_secret_x`,
  });
  if (shape === '2024-12-14') intent.invoice = spec.invoice ?? null;
  return intent;
}

export function chargeObject(
  shape: StripeShape,
  spec: { id: string; paymentIntent: string; amount: number; refunded: number; created: number },
): Json {
  return stripeObject(shape, 'charge', {
    id: spec.id,
    payment_intent: spec.paymentIntent,
    amount: spec.amount,
    amount_captured: spec.amount,
    amount_refunded: spec.refunded,
    refunded: spec.refunded >= spec.amount,
    captured: true,
    created: spec.created,
    currency: 'usd',
    status: 'succeeded',
    description: 'Subscription update',
  });
}

export function checkoutSessionObject(spec: {
  id: string;
  subscription: string;
  customer: string;
  clientReferenceId: string | null;
  created: number;
}): Json {
  return stripeObject('2026-07-29', 'checkout.session', {
    id: spec.id,
    mode: 'subscription',
    subscription: spec.subscription,
    customer: spec.customer,
    client_reference_id: spec.clientReferenceId,
    created: spec.created,
    payment_intent: null,
    payment_status: 'paid',
    status: 'complete',
    amount_total: 2000,
    currency: 'usd',
  });
}

/** POSTs `event` to the project's receiver, signed with `secret` the way Stripe signs. */
export function deliver(t: TestApp, projectId: string, secret: string, event: Json, mode = 'test') {
  const payload = JSON.stringify(event);
  return t
    .http({ validate: false })
    .post(`/api/v1/payments/stripe/webhooks/${projectId}/${mode}`)
    .set('Stripe-Signature', Stripe.webhooks.generateTestHeaderString({ payload, secret }))
    .set('Content-Type', 'application/json')
    .send(payload);
}
