import { isUuid } from '../common/uuid';

/**
 * Reading Stripe objects into ledger candidates: every value the ledger stores is typed and bounded
 * here (a tenant can sign anything with its own secret). A field that must be there and is not
 * well-formed makes the event unprojectable (UnprojectableEvent); optional text is capped instead.
 * Both event shapes are read: before Stripe's 2025 API versions (invoice.subscription,
 * invoice.payment_intent, subscription.current_period_*) and after (invoice.parent.subscription_details,
 * invoice_payment objects, the period on each subscription item).
 */

export type JsonObject = Record<string, unknown>;

/** An event the ledger cannot read; `reason` names the field (shown in the health report). */
export class UnprojectableEvent extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'UnprojectableEvent';
  }
}

/** Largest amount accepted, in minor units (Stripe's own limit is 8 digits for most currencies). */
export const MAX_AMOUNT = 1_000_000_000_000;
/** Largest `created`/period timestamp accepted (unix seconds; year 5138). */
const MAX_TIMESTAMP = 1e11;
/** Items read of a subscription (Stripe allows 20). */
const MAX_ITEMS = 100;
const MAX_QUANTITY = 2_147_483_647;
const MAX_TEXT = 255;
const MAX_DESCRIPTION = 500;
const STRIPE_ID = /^[A-Za-z0-9_]{1,255}$/;
const STATUS = /^[a-z_]{1,32}$/;

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A Stripe id given as a string or as an expanded object with an `id`; null when absent. */
function idOf(value: unknown, field: string): string | null {
  const id = isObject(value) ? value.id : value;
  if (id === null || id === undefined) return null;
  if (typeof id !== 'string' || !STRIPE_ID.test(id)) throw new UnprojectableEvent(`${field} is not a Stripe id`);
  return id;
}

function requiredId(value: unknown, field: string): string {
  const id = idOf(value, field);
  if (id === null) throw new UnprojectableEvent(`${field} is missing`);
  return id;
}

/** Unix seconds → Date; null when absent. */
export function timestamp(value: unknown, field: string): Date | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= MAX_TIMESTAMP) {
    throw new UnprojectableEvent(`${field} is not a timestamp`);
  }
  return new Date(value * 1000);
}

export function amount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_AMOUNT) {
    throw new UnprojectableEvent(`${field} is not an amount in minor units`);
  }
  return value;
}

export function currency(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z]{3}$/.test(value)) {
    throw new UnprojectableEvent(`${field} is not a three-letter currency`);
  }
  return value.toLowerCase();
}

/** Optional text, cut to `max` characters (whole code points); null when absent or not text. */
export function text(value: unknown, max = MAX_TEXT): string | null {
  if (typeof value !== 'string' || value.length === 0) return null;
  return value.length <= max
    ? value
    : Array.from(value.slice(0, max * 2))
        .slice(0, max)
        .join('');
}

export function status(value: unknown, field: string): string {
  if (typeof value !== 'string' || !STATUS.test(value)) throw new UnprojectableEvent(`${field} is not a status`);
  return value;
}

/** The UUID (lower case) when the value is one; anything else is not a user id. */
export function userIdFrom(...values: unknown[]): string | null {
  for (const value of values) if (isUuid(value)) return value.toLowerCase();
  return null;
}

function metadataUserId(object: JsonObject): unknown {
  return isObject(object.metadata) ? object.metadata.user_id : undefined;
}

/** What a subscription object says, beyond its status. */
export interface SubscriptionDetails {
  customerId: string | null;
  priceNickname: string | null;
  productId: string | null;
  /** The product's name, when the event carries the product expanded. */
  productName: string | null;
  quantity: number;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  cancelAt: Date | null;
  cancelledAt: Date | null;
}

export interface SubscriptionRead {
  stripeId: string;
  status: string;
  createdAt: Date;
  userId: string | null;
  details: SubscriptionDetails;
}

/** A subscription object, in either shape (period on the subscription, or on its items). */
export function readSubscription(object: JsonObject): SubscriptionRead {
  const stripeId = requiredId(object.id, 'subscription.id');
  const createdAt = timestamp(object.created, 'subscription.created');
  if (!createdAt) throw new UnprojectableEvent('subscription.created is missing');
  const itemsList = isObject(object.items) ? object.items.data : undefined;
  if (itemsList !== undefined && !Array.isArray(itemsList)) {
    throw new UnprojectableEvent('subscription.items.data is not a list');
  }
  const items = (itemsList ?? []).slice(0, MAX_ITEMS);
  let quantity = 0;
  let periodStart = timestamp(object.current_period_start, 'subscription.current_period_start');
  let periodEnd = timestamp(object.current_period_end, 'subscription.current_period_end');
  let priceNickname: string | null = null;
  let productId: string | null = null;
  let productName: string | null = null;
  items.forEach((item, index) => {
    if (!isObject(item)) throw new UnprojectableEvent('subscription.items.data holds a non-object');
    const q = item.quantity ?? 1;
    if (typeof q !== 'number' || !Number.isInteger(q) || q < 0 || q > MAX_QUANTITY) {
      throw new UnprojectableEvent('subscription item quantity is not a count');
    }
    quantity = Math.min(MAX_QUANTITY, quantity + q);
    // 2025+ shapes: each item has its own period; the subscription's is their union.
    const start = timestamp(item.current_period_start, 'subscription item current_period_start');
    const end = timestamp(item.current_period_end, 'subscription item current_period_end');
    if (start && (!periodStart || (object.current_period_start == null && start < periodStart))) periodStart = start;
    if (end && (!periodEnd || (object.current_period_end == null && end > periodEnd))) periodEnd = end;
    if (index === 0) {
      const price = isObject(item.price) ? item.price : isObject(item.plan) ? item.plan : null;
      if (price) {
        priceNickname = text(price.nickname);
        productId = idOf(price.product, 'price.product');
        if (isObject(price.product)) productName = text(price.product.name);
      }
    }
  });
  if (items.length === 0) {
    const q = object.quantity;
    quantity = typeof q === 'number' && Number.isInteger(q) && q >= 0 && q <= MAX_QUANTITY ? q : 1;
  }
  return {
    stripeId,
    status: status(object.status, 'subscription.status'),
    createdAt,
    userId: userIdFrom(metadataUserId(object)),
    details: {
      customerId: idOf(object.customer, 'subscription.customer'),
      priceNickname,
      productId,
      productName,
      quantity,
      currentPeriodStart: periodStart,
      currentPeriodEnd: periodEnd,
      cancelAt: timestamp(object.cancel_at, 'subscription.cancel_at'),
      cancelledAt: timestamp(object.canceled_at, 'subscription.canceled_at'),
    },
  };
}

export interface InvoiceRead {
  invoiceId: string;
  subscriptionId: string | null;
  /** Only in the pre-2025 shape; 2025+ links the invoice to its payment with invoice_payment events. */
  paymentIntentId: string | null;
  customerId: string | null;
  amountPaid: number;
  amountDue: number;
  currency: string;
  description: string | null;
  createdAt: Date;
}

export function readInvoice(object: JsonObject): InvoiceRead {
  const parent = isObject(object.parent) ? object.parent : null;
  const details = parent && isObject(parent.subscription_details) ? parent.subscription_details : null;
  const createdAt = timestamp(object.created, 'invoice.created');
  if (!createdAt) throw new UnprojectableEvent('invoice.created is missing');
  const firstLine =
    isObject(object.lines) && Array.isArray(object.lines.data) && isObject(object.lines.data[0])
      ? object.lines.data[0]
      : null;
  return {
    invoiceId: requiredId(object.id, 'invoice.id'),
    subscriptionId: idOf(object.subscription, 'invoice.subscription') ?? idOf(details?.subscription, 'invoice.parent'),
    paymentIntentId: idOf(object.payment_intent, 'invoice.payment_intent'),
    customerId: idOf(object.customer, 'invoice.customer'),
    amountPaid: amount(object.amount_paid ?? 0, 'invoice.amount_paid'),
    amountDue: amount(object.amount_due ?? 0, 'invoice.amount_due'),
    currency: currency(object.currency, 'invoice.currency'),
    description: text(object.description, MAX_DESCRIPTION) ?? text(firstLine?.description, MAX_DESCRIPTION),
    createdAt,
  };
}

export interface PaymentIntentRead {
  paymentIntentId: string;
  invoiceId: string | null;
  status: string;
  amount: number;
  currency: string;
  description: string | null;
  userId: string | null;
  createdAt: Date;
}

export function readPaymentIntent(object: JsonObject): PaymentIntentRead {
  const createdAt = timestamp(object.created, 'payment_intent.created');
  if (!createdAt) throw new UnprojectableEvent('payment_intent.created is missing');
  const received = object.amount_received;
  return {
    paymentIntentId: requiredId(object.id, 'payment_intent.id'),
    invoiceId: idOf(object.invoice, 'payment_intent.invoice'),
    status: status(object.status, 'payment_intent.status'),
    amount:
      typeof received === 'number' && received > 0
        ? amount(received, 'payment_intent.amount_received')
        : amount(object.amount, 'payment_intent.amount'),
    currency: currency(object.currency, 'payment_intent.currency'),
    description: text(object.description, MAX_DESCRIPTION),
    userId: userIdFrom(metadataUserId(object)),
    createdAt,
  };
}

export interface ChargeRead {
  /** The payment intent, or the charge itself for a charge made without one. */
  paymentKey: string;
  invoiceId: string | null;
  status: string;
  amount: number;
  amountRefunded: number;
  currency: string;
  description: string | null;
  userId: string | null;
  createdAt: Date;
}

export function readCharge(object: JsonObject): ChargeRead {
  const createdAt = timestamp(object.created, 'charge.created');
  if (!createdAt) throw new UnprojectableEvent('charge.created is missing');
  return {
    paymentKey: idOf(object.payment_intent, 'charge.payment_intent') ?? requiredId(object.id, 'charge.id'),
    invoiceId: idOf(object.invoice, 'charge.invoice'),
    status: status(object.status, 'charge.status'),
    amount: amount(object.amount, 'charge.amount'),
    amountRefunded: amount(object.amount_refunded ?? 0, 'charge.amount_refunded'),
    currency: currency(object.currency, 'charge.currency'),
    description: text(object.description, MAX_DESCRIPTION),
    userId: userIdFrom(metadataUserId(object)),
    createdAt,
  };
}

export interface InvoicePaymentRead {
  invoiceId: string;
  paymentKey: string | null;
  status: string;
  amount: number;
  currency: string;
  createdAt: Date;
}

/** 2025+: an invoice_payment names the invoice and the payment intent (or charge) that paid it. */
export function readInvoicePayment(object: JsonObject): InvoicePaymentRead {
  const createdAt = timestamp(object.created, 'invoice_payment.created');
  if (!createdAt) throw new UnprojectableEvent('invoice_payment.created is missing');
  const payment = isObject(object.payment) ? object.payment : {};
  const paid = object.amount_paid ?? object.amount_requested;
  return {
    invoiceId: requiredId(object.invoice, 'invoice_payment.invoice'),
    paymentKey:
      idOf(payment.payment_intent, 'invoice_payment.payment.payment_intent') ??
      idOf(payment.charge, 'invoice_payment.payment.charge'),
    status: status(object.status, 'invoice_payment.status'),
    amount: amount(paid ?? 0, 'invoice_payment.amount_paid'),
    currency: currency(object.currency, 'invoice_payment.currency'),
    createdAt,
  };
}

export interface CheckoutSessionRead {
  mode: string;
  subscriptionId: string | null;
  paymentIntentId: string | null;
  customerId: string | null;
  userId: string | null;
  paymentStatus: string | null;
  amountTotal: number | null;
  currency: string | null;
  createdAt: Date;
}

export function readCheckoutSession(object: JsonObject): CheckoutSessionRead {
  const createdAt = timestamp(object.created, 'checkout.session.created');
  if (!createdAt) throw new UnprojectableEvent('checkout.session.created is missing');
  const total = object.amount_total;
  return {
    mode: status(object.mode, 'checkout.session.mode'),
    subscriptionId: idOf(object.subscription, 'checkout.session.subscription'),
    paymentIntentId: idOf(object.payment_intent, 'checkout.session.payment_intent'),
    customerId: idOf(object.customer, 'checkout.session.customer'),
    userId: userIdFrom(object.client_reference_id, metadataUserId(object)),
    paymentStatus: typeof object.payment_status === 'string' ? status(object.payment_status, 'payment_status') : null,
    amountTotal: total === null || total === undefined ? null : amount(total, 'checkout.session.amount_total'),
    currency: object.currency == null ? null : currency(object.currency, 'checkout.session.currency'),
    createdAt,
  };
}
