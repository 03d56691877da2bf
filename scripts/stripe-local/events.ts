import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { resources } from './stripe-fixtures.json';

/**
 * The events the local Stripe can trigger (`npm run stripe:local -- trigger NAME`), as Stripe's CLI
 * does: each builds realistic objects from Stripe's own example resources (stripe-fixtures.json) with
 * fresh ids and timestamps, wraps them in events, and the fake delivers them signed (fake-stripe.ts).
 */
type StripeObject = Record<string, unknown>;

export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: StripeObject; previous_attributes?: StripeObject };
  livemode: boolean;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

/** The API version the events are rendered in: the one the service's Stripe SDK pins. */
export const EVENTS_API_VERSION = '2026-10-28.endive';

function id(prefix: string, length = 24): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return prefix + Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
}

const copy = <T>(value: T): T => structuredClone(value);

/** The objects of one scenario: one customer, subscription, invoice, payment and charge, related. */
class Scenario {
  readonly now = Math.floor(Date.now() / 1000);
  readonly periodEnd = this.now + 30 * 24 * 3600;
  readonly customer = id('cus_', 14);
  readonly subscription = id('sub_');
  readonly invoice = id('in_');
  readonly paymentIntent = id('pi_');
  readonly charge = id('ch_');
  readonly price = id('price_');
  readonly invoicePayment = id('inpay_');
  readonly amount = 2000;
  /** The buyer in the developer's own app, as a checkout session names it (`client_reference_id`). */
  readonly userId = randomUUID();

  constructor(readonly livemode: boolean) {}

  checkoutSession(): StripeObject {
    const session = copy(resources['checkout.session']) as StripeObject;
    const mode = this.livemode ? 'live' : 'test';
    return Object.assign(session, {
      id: id(`cs_${mode}_`, 32),
      created: this.now,
      expires_at: this.now + 24 * 3600,
      livemode: this.livemode,
      mode: 'subscription',
      status: 'complete',
      payment_status: 'paid',
      customer: this.customer,
      client_reference_id: this.userId,
      subscription: this.subscription,
      invoice: this.invoice,
      payment_intent: null,
      amount_subtotal: this.amount,
      amount_total: this.amount,
      currency: 'usd',
      url: null,
      shipping_cost: null,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
      currency_conversion: null,
    });
  }

  subscriptionObject(status: string, extra: StripeObject = {}): StripeObject {
    const subscription = copy(resources.subscription) as StripeObject & { items: { data: StripeObject[] } };
    const item = subscription.items.data[0] as StripeObject & { price: StripeObject };
    Object.assign(item, {
      id: id('si_', 14),
      created: this.now,
      subscription: this.subscription,
      current_period_start: this.now,
      current_period_end: this.periodEnd,
      price: {
        ...item.price,
        id: this.price,
        nickname: 'Pro monthly',
        unit_amount: this.amount,
        livemode: this.livemode,
      },
    });
    return Object.assign(subscription, {
      id: this.subscription,
      created: this.now,
      start_date: this.now,
      billing_cycle_anchor: this.now,
      customer: this.customer,
      latest_invoice: this.invoice,
      livemode: this.livemode,
      status,
      cancel_at_period_end: false,
      cancel_at: null,
      canceled_at: null,
      ended_at: null,
      ...extra,
    });
  }

  invoiceObject(paid: boolean): StripeObject {
    const invoice = copy(resources.invoice) as StripeObject;
    return Object.assign(invoice, {
      id: this.invoice,
      created: this.now,
      customer: this.customer,
      livemode: this.livemode,
      status: paid ? 'paid' : 'open',
      paid: paid,
      attempted: true,
      attempt_count: 1,
      amount_due: this.amount,
      amount_paid: paid ? this.amount : 0,
      amount_remaining: paid ? 0 : this.amount,
      subtotal: this.amount,
      total: this.amount,
      currency: 'usd',
      billing_reason: 'subscription_create',
      period_start: this.now,
      period_end: this.now,
      next_payment_attempt: paid ? null : this.now + 3 * 24 * 3600,
      parent: {
        type: 'subscription_details',
        quote_details: null,
        subscription_details: { metadata: {}, subscription: this.subscription },
      },
      status_transitions: {
        finalized_at: this.now,
        marked_uncollectible_at: null,
        paid_at: paid ? this.now : null,
        voided_at: null,
      },
    });
  }

  /** What 2025+ API versions send once an invoice is paid: which payment intent paid it. */
  invoicePaymentObject(): StripeObject {
    return {
      id: this.invoicePayment,
      object: 'invoice_payment',
      amount_paid: this.amount,
      amount_requested: this.amount,
      created: this.now,
      currency: 'usd',
      invoice: this.invoice,
      is_default: true,
      livemode: this.livemode,
      payment: { type: 'payment_intent', payment_intent: this.paymentIntent },
      status: 'paid',
      status_transitions: { canceled_at: null, paid_at: this.now },
    };
  }

  paymentIntentObject(): StripeObject {
    return Object.assign(copy(resources.payment_intent) as StripeObject, {
      id: this.paymentIntent,
      created: this.now,
      customer: this.customer,
      livemode: this.livemode,
      amount: this.amount,
      amount_received: this.amount,
      amount_capturable: 0,
      currency: 'usd',
      status: 'succeeded',
      latest_charge: this.charge,
      client_secret: null,
      next_action: null,
    });
  }

  chargeObject(refunded: boolean): StripeObject {
    return Object.assign(copy(resources.charge) as StripeObject, {
      id: this.charge,
      created: this.now,
      customer: this.customer,
      livemode: this.livemode,
      amount: this.amount,
      amount_captured: this.amount,
      amount_refunded: refunded ? this.amount : 0,
      refunded,
      captured: true,
      paid: true,
      status: 'succeeded',
      currency: 'usd',
      payment_intent: this.paymentIntent,
    });
  }
}

type Step = { type: string; object: StripeObject; previous?: StripeObject };

/** Each trigger's events, in the order Stripe sends them. */
const TRIGGERS: Record<string, (s: Scenario) => Step[]> = {
  'checkout.session.completed': (s) => [{ type: 'checkout.session.completed', object: s.checkoutSession() }],
  'customer.subscription.created': (s) => [
    { type: 'customer.subscription.created', object: s.subscriptionObject('active') },
  ],
  'customer.subscription.updated': (s) => [
    {
      type: 'customer.subscription.updated',
      object: s.subscriptionObject('active', { cancel_at_period_end: true, cancel_at: s.periodEnd }),
      previous: { cancel_at_period_end: false, cancel_at: null },
    },
  ],
  'customer.subscription.deleted': (s) => [
    {
      type: 'customer.subscription.deleted',
      object: s.subscriptionObject('canceled', { canceled_at: s.now, ended_at: s.now }),
    },
  ],
  'invoice.paid': (s) => [{ type: 'invoice.paid', object: s.invoiceObject(true) }],
  'invoice.payment_failed': (s) => [{ type: 'invoice.payment_failed', object: s.invoiceObject(false) }],
  'payment_intent.succeeded': (s) => [{ type: 'payment_intent.succeeded', object: s.paymentIntentObject() }],
  'charge.refunded': (s) => [
    { type: 'charge.refunded', object: s.chargeObject(true), previous: { amount_refunded: 0, refunded: false } },
  ],
  // A subscription bought at checkout and its first invoice paid: it stays active.
  'subscription-checkout': (s) => [
    { type: 'checkout.session.completed', object: s.checkoutSession() },
    { type: 'customer.subscription.created', object: s.subscriptionObject('active') },
    { type: 'invoice.paid', object: s.invoiceObject(true) },
    { type: 'invoice_payment.paid', object: s.invoicePaymentObject() },
    { type: 'payment_intent.succeeded', object: s.paymentIntentObject() },
  ],
  // A subscription's whole life: bought at checkout, paid, set to cancel at the period's end, ended.
  'subscription-lifecycle': (s) => [
    { type: 'checkout.session.completed', object: s.checkoutSession() },
    { type: 'customer.subscription.created', object: s.subscriptionObject('active') },
    { type: 'invoice.paid', object: s.invoiceObject(true) },
    { type: 'invoice_payment.paid', object: s.invoicePaymentObject() },
    { type: 'payment_intent.succeeded', object: s.paymentIntentObject() },
    {
      type: 'customer.subscription.updated',
      object: s.subscriptionObject('active', { cancel_at_period_end: true, cancel_at: s.periodEnd }),
      previous: { cancel_at_period_end: false, cancel_at: null },
    },
    {
      type: 'customer.subscription.deleted',
      object: s.subscriptionObject('canceled', { canceled_at: s.now, ended_at: s.now }),
    },
  ],
};

export const TRIGGER_NAMES = Object.keys(TRIGGERS);

/** The events of one trigger, or null for a name it does not know. */
export function buildEvents(name: string, options: { livemode?: boolean } = {}): StripeEvent[] | null {
  const steps = Object.hasOwn(TRIGGERS, name) ? TRIGGERS[name] : undefined;
  if (!steps) return null;
  const scenario = new Scenario(options.livemode ?? false);
  return steps(scenario).map(({ type, object, previous }, index) => ({
    id: id('evt_'),
    object: 'event',
    api_version: EVENTS_API_VERSION,
    // One second apart, in order: consumers that order by `created` see Stripe's order.
    created: scenario.now + index,
    data: previous ? { object, previous_attributes: previous } : { object },
    livemode: scenario.livemode,
    pending_webhooks: 1,
    request: { id: id('req_', 14), idempotency_key: null },
    type,
  }));
}

/** The `Stripe-Signature` header Stripe sends: `t=<unix seconds>,v1=<HMAC-SHA256 of "t.payload">`. */
export function stripeSignature(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${v1}`;
}
