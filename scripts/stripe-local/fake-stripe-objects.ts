import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { RecordedRequest } from './fake-stripe';

/**
 * The billing objects of the fake Stripe's accounts (subscriptions, invoices, payment intents,
 * charges, events), per key (one key is one account and mode), and the list and retrieve
 * calls the payments ledger's sync and sweep make, answered like Stripe: newest first, `limit` 1-100
 * (default 10), `starting_after` / `ending_before` cursors, `has_more`, and Stripe's error JSON for a
 * bad parameter or an unknown id.
 */

/** The resources served, by the path segment Stripe uses. */
export const FAKE_STRIPE_RESOURCES = {
  subscriptions: { object: 'subscription', missing: 'subscription' },
  invoices: { object: 'invoice', missing: 'invoice' },
  payment_intents: { object: 'payment_intent', missing: 'payment_intent' },
  charges: { object: 'charge', missing: 'charge' },
  events: { object: 'event', missing: 'event' },
} as const;
export type FakeStripeResource = keyof typeof FAKE_STRIPE_RESOURCES;

export type StripeObject = Record<string, unknown> & { id: string; created: number };

function randomId(prefix: string, length = 24): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return prefix + Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
}

/** Objects of every account of the fake, by key then resource; insertion order kept. */
export class FakeStripeObjects {
  private readonly accounts = new Map<string, Map<FakeStripeResource, Map<string, StripeObject>>>();

  private store(key: string, resource: FakeStripeResource): Map<string, StripeObject> {
    let account = this.accounts.get(key);
    if (!account) this.accounts.set(key, (account = new Map()));
    let objects = account.get(resource);
    if (!objects) account.set(resource, (objects = new Map()));
    return objects;
  }

  /** Adds (or replaces, by id) an object of the account of `key`. */
  put<T extends StripeObject>(key: string, resource: FakeStripeResource, object: T): T {
    this.store(key, resource).set(object.id, object);
    return object;
  }

  get(key: string, resource: FakeStripeResource, id: string): StripeObject | undefined {
    return this.accounts.get(key)?.get(resource)?.get(id);
  }

  /** Newest first (by `created`, then the later added first), as Stripe lists. */
  all(key: string, resource: FakeStripeResource): StripeObject[] {
    const objects = [...(this.accounts.get(key)?.get(resource)?.values() ?? [])];
    return objects
      .map((o, i) => [o, i] as const)
      .sort((a, b) => b[0].created - a[0].created || b[1] - a[1])
      .map(([o]) => o);
  }

  clear(): void {
    this.accounts.clear();
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': `req_${Date.now()}` });
  res.end(JSON.stringify(body));
}

function invalidRequest(res: ServerResponse, status: number, message: string, param?: string, code?: string): void {
  json(res, status, {
    error: { ...(code ? { code } : {}), message, ...(param ? { param } : {}), type: 'invalid_request_error' },
  });
}

/** `created[gt]=...` style filters (gt, gte, lt, lte, or a plain value). */
function createdFilter(query: URLSearchParams): (created: number) => boolean {
  const bound = (op: string) => {
    const raw = query.get(`created[${op}]`);
    return raw === null ? undefined : Number(raw);
  };
  const [gt, gte, lt, lte] = ['gt', 'gte', 'lt', 'lte'].map(bound);
  const exact = query.get('created') === null ? undefined : Number(query.get('created'));
  return (c) =>
    (gt === undefined || c > gt) &&
    (gte === undefined || c >= gte) &&
    (lt === undefined || c < lt) &&
    (lte === undefined || c <= lte) &&
    (exact === undefined || c === exact);
}

/** Every value of an array parameter, whichever way it was encoded (`types[]=a`, `types[0]=a`). */
function arrayParam(query: URLSearchParams, name: string): string[] {
  return [...query.entries()]
    .filter(([k]) => k === `${name}[]` || new RegExp(`^${name}\\[\\d+\\]$`).test(k))
    .map(([, v]) => v);
}

/**
 * Answers `GET /v1/{resource}` and `GET /v1/{resource}/{id}` for the served resources; false for any
 * other request (the fake's other routes then answer it).
 */
export function serveStripeObjects(
  objects: FakeStripeObjects,
  key: string,
  req: RecordedRequest,
  res: ServerResponse,
): boolean {
  if (req.method !== 'GET') return false;
  const [path, search] = req.path.split('?');
  const match = /^\/v1\/([a-z_]+)(?:\/([A-Za-z0-9_]+))?$/.exec(path);
  if (!match || !(match[1] in FAKE_STRIPE_RESOURCES)) return false;
  const resource = match[1] as FakeStripeResource;
  const id = match[2];
  if (id) {
    const found = objects.get(key, resource, id);
    if (!found) {
      invalidRequest(res, 404, `No such ${FAKE_STRIPE_RESOURCES[resource].missing}: '${id}'`, 'id', 'resource_missing');
    } else json(res, 200, found);
    return true;
  }
  const query = new URLSearchParams(search ?? '');
  const rawLimit = query.get('limit');
  const limit = rawLimit === null ? 10 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    invalidRequest(res, 400, 'This value must be greater than or equal to 1 and less than or equal to 100.', 'limit');
    return true;
  }
  let all = objects.all(key, resource);
  const inCreated = createdFilter(query);
  all = all.filter((o) => inCreated(o.created));
  if (resource === 'subscriptions') {
    // Stripe lists subscriptions that are not canceled unless `status` says otherwise (`all`, or one status).
    const status = query.get('status');
    if (status !== 'all') all = all.filter((o) => (status ? o.status === status : o.status !== 'canceled'));
  }
  if (resource === 'events') {
    const types = arrayParam(query, 'types');
    const type = query.get('type');
    if (types.length > 20) {
      invalidRequest(res, 400, 'You may pass at most 20 types.', 'types');
      return true;
    }
    if (types.length) all = all.filter((o) => types.includes(String(o.type)));
    if (type)
      all = all.filter((o) => (type.endsWith('.*') ? String(o.type).startsWith(type.slice(0, -1)) : o.type === type));
  }
  const after = query.get('starting_after');
  const before = query.get('ending_before');
  let page: StripeObject[];
  let hasMore: boolean;
  if (after || before) {
    const cursor = (after ?? before)!;
    const at = all.findIndex((o) => o.id === cursor);
    if (at < 0 && !objects.get(key, resource, cursor)) {
      invalidRequest(
        res,
        400,
        `No such ${FAKE_STRIPE_RESOURCES[resource].missing}: '${cursor}'`,
        after ? 'starting_after' : 'ending_before',
        'resource_missing',
      );
      return true;
    }
    if (after) {
      const rest = all.slice(at + 1);
      page = rest.slice(0, limit);
      hasMore = rest.length > limit;
    } else {
      const rest = all.slice(0, Math.max(at, 0));
      page = rest.slice(Math.max(0, rest.length - limit));
      hasMore = rest.length > limit;
    }
  } else {
    page = all.slice(0, limit);
    hasMore = all.length > limit;
  }
  json(res, 200, { object: 'list', url: `/v1/${resource}`, has_more: hasMore, data: page });
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Builders: objects in the shape of Stripe's current API versions (2025+: the billing period on the
// subscription items, the invoice's subscription under `parent.subscription_details`, its payments
// as `invoice_payment` objects), with the fields the ledger reads. Each is stored and returned.
// ---------------------------------------------------------------------------------------------------

const now = () => Math.floor(Date.now() / 1000);

export interface SubscriptionSpec {
  status?: string;
  customer?: string;
  priceId?: string;
  productId?: string;
  nickname?: string | null;
  unitAmount?: number;
  currency?: string;
  quantity?: number;
  created?: number;
  metadata?: Record<string, string>;
  livemode?: boolean;
}

export function addSubscription(objects: FakeStripeObjects, key: string, spec: SubscriptionSpec = {}): StripeObject {
  const created = spec.created ?? now() - 86_400;
  const id = randomId('sub_');
  const currency = spec.currency ?? 'usd';
  const status = spec.status ?? 'active';
  return objects.put(key, 'subscriptions', {
    id,
    object: 'subscription',
    created,
    customer: spec.customer ?? randomId('cus_', 14),
    status,
    currency,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: status === 'canceled' ? created + 3600 : null,
    ended_at: status === 'canceled' ? created + 3600 : null,
    livemode: spec.livemode ?? key.includes('_live_'),
    metadata: spec.metadata ?? {},
    trial_start: null,
    trial_end: null,
    items: {
      object: 'list',
      has_more: false,
      data: [
        {
          id: randomId('si_', 14),
          object: 'subscription_item',
          created,
          current_period_start: created,
          current_period_end: created + 30 * 86_400,
          quantity: spec.quantity ?? 1,
          price: {
            id: spec.priceId ?? randomId('price_'),
            object: 'price',
            currency,
            nickname: spec.nickname ?? null,
            product: spec.productId ?? randomId('prod_', 14),
            unit_amount: spec.unitAmount ?? 2000,
            recurring: { interval: 'month', interval_count: 1 },
            type: 'recurring',
          },
        },
      ],
    },
  });
}

export interface PaymentSpec {
  amount?: number;
  currency?: string;
  customer?: string;
  status?: 'succeeded' | 'requires_payment_method';
  /** The subscription the payment pays: a paid invoice of it (with its invoice_payment) is added too. */
  subscription?: StripeObject;
  /** Amount refunded (a charge with a refund is added). */
  refunded?: number;
  created?: number;
  livemode?: boolean;
}

/** A payment intent, its charge, and (with `subscription`) the paid invoice and invoice payment that link them. */
export function addPayment(
  objects: FakeStripeObjects,
  key: string,
  spec: PaymentSpec = {},
): { paymentIntent: StripeObject; charge: StripeObject; invoice?: StripeObject } {
  const created = spec.created ?? now() - 3600;
  const amount = spec.amount ?? 2000;
  const currency = spec.currency ?? 'usd';
  const status = spec.status ?? 'succeeded';
  const livemode = spec.livemode ?? key.includes('_live_');
  const customer = spec.customer ?? (spec.subscription?.customer as string | undefined) ?? randomId('cus_', 14);
  const piId = randomId('pi_');
  const chargeId = randomId('ch_');
  const failed = status !== 'succeeded';
  const paymentIntent = objects.put(key, 'payment_intents', {
    id: piId,
    object: 'payment_intent',
    created,
    amount,
    amount_received: failed ? 0 : amount,
    currency,
    customer,
    status,
    livemode,
    latest_charge: chargeId,
    metadata: {},
    last_payment_error: failed
      ? {
          type: 'card_error',
          code: 'card_declined',
          decline_code: 'insufficient_funds',
          message: 'Your card has insufficient funds.',
        }
      : null,
  });
  const refunded = spec.refunded ?? 0;
  const charge = objects.put(key, 'charges', {
    id: chargeId,
    object: 'charge',
    created,
    amount,
    amount_captured: failed ? 0 : amount,
    amount_refunded: refunded,
    refunded: refunded > 0 && refunded >= amount,
    currency,
    customer,
    paid: !failed,
    status: failed ? 'failed' : 'succeeded',
    payment_intent: piId,
    livemode,
    metadata: {},
    refunds: {
      object: 'list',
      has_more: false,
      data:
        refunded > 0
          ? [{ id: randomId('re_'), object: 'refund', amount: refunded, currency, status: 'succeeded', created }]
          : [],
    },
  });
  if (!spec.subscription) return { paymentIntent, charge };
  const invoiceId = randomId('in_');
  const invoice = objects.put(key, 'invoices', {
    id: invoiceId,
    object: 'invoice',
    created,
    customer,
    currency,
    status: failed ? 'open' : 'paid',
    amount_due: amount,
    amount_paid: failed ? 0 : amount,
    amount_remaining: failed ? amount : 0,
    attempt_count: 1,
    billing_reason: 'subscription_cycle',
    livemode,
    parent: {
      type: 'subscription_details',
      quote_details: null,
      subscription_details: { metadata: {}, subscription: spec.subscription.id },
    },
    status_transitions: { paid_at: failed ? null : created, finalized_at: created },
    payments: {
      object: 'list',
      has_more: false,
      data: [
        {
          id: randomId('inpay_'),
          object: 'invoice_payment',
          created,
          invoice: invoiceId,
          amount_paid: failed ? null : amount,
          amount_requested: amount,
          currency,
          is_default: true,
          livemode,
          payment: { type: 'payment_intent', payment_intent: piId },
          status: failed ? 'open' : 'paid',
          status_transitions: { canceled_at: null, paid_at: failed ? null : created },
        },
      ],
    },
  });
  return { paymentIntent, charge, invoice };
}

/** An event of the account's event list (what Stripe shows under `GET /v1/events`), of `object` as it is now. */
export function addEvent(
  objects: FakeStripeObjects,
  key: string,
  type: string,
  object: Record<string, unknown>,
  options: { created?: number; id?: string } = {},
): StripeObject {
  return objects.put(key, 'events', {
    id: options.id ?? randomId('evt_'),
    object: 'event',
    api_version: '2026-10-28.endive',
    created: options.created ?? now(),
    data: { object: structuredClone(object) },
    livemode: key.includes('_live_'),
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
    type,
  });
}
