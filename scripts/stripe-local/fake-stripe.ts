import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import { buildEvents, type StripeEvent, stripeSignature, TRIGGER_NAMES } from './events';
import { FakeStripeObjects, serveStripeObjects } from './fake-stripe-objects';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type FakeStripeHandler = (req: RecordedRequest, res: ServerResponse) => boolean | void;

/** Stripe's error JSON, as documented at https://docs.stripe.com/api/errors. */
export function stripeError(res: ServerResponse, status: number, error: Record<string, unknown>): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': `req_${Date.now()}` });
  res.end(JSON.stringify({ error }));
}

function maskedKey(auth: string | undefined): string {
  const key = (auth ?? '').replace(/^Bearer\s+/i, '');
  return `${key.slice(0, 8)}*********${key.slice(-4)}`;
}

/** How the fake answers every request made with one key, instead of its normal behaviour. */
export type KeyBehavior =
  | { kind: 'expired' }
  | { kind: 'permission'; permission: string }
  | { kind: 'rate_limited' }
  | { kind: 'server_error' }
  | { kind: 'reset' } // drops the connection
  | { kind: 'hang' } // never answers
  | { kind: 'trickle' } // sends headers, then a byte every 100 ms, never finishing
  | { kind: 'delay'; ms: number }; // answers normally, after a pause

export interface FakeWebhookEndpoint {
  id: string;
  object: 'webhook_endpoint';
  url: string;
  enabled_events: string[];
  description: string | null;
  metadata: Record<string, string>;
  livemode: boolean;
  status: 'enabled' | 'disabled';
  secret: string;
  created: number;
  /** The API version its events are rendered in (null: the account's default). */
  api_version: string | null;
  /** The key that created it: endpoints belong to that key's account and mode. */
  apiKey: string;
}

/** An event Stripe created for the account and mode of `apiKey` (what `GET /v1/events/{id}` returns). */
export interface FakeEvent {
  event: Record<string, unknown>;
  apiKey: string;
}

/** The permission a restricted key needs to read events (`GET /v1/events/{id}`). */
export const EVENT_READ_PERMISSION = 'rak_event_read';
/** One signed delivery of `trigger`: where it went and what the endpoint answered. */
export interface TriggerDelivery {
  event: string;
  type: string;
  endpoint: string;
  url: string;
  /** The endpoint's HTTP status, or null when it could not be reached (then `error`). */
  status: number | null;
  /** The endpoint's answer, cut at 1,000 characters. */
  body: string;
  error?: string;
}

export interface TriggerResult {
  events: StripeEvent[];
  deliveries: TriggerDelivery[];
}

/** How long the local Stripe waits for an endpoint's answer (Stripe itself gives up after some seconds too). */
const DELIVERY_TIMEOUT_MS = 10_000;

/** Routes of the local Stripe itself (not Stripe's API): `POST /_local/trigger` delivers events. */
const LOCAL_ROUTE = /^\/_local\//;

/** Requests the fake handles at once but answers only after `ms` (see FakeStripe.answerLate). */
interface LateAnswerRule {
  method: string;
  path: RegExp;
  ms: number;
  remaining: number;
}

/** What Stripe saved for an idempotency key: the request it was first used with and the answer. */
interface IdempotentResult {
  request: string;
  status: number;
  headers: OutgoingHttpHeaders;
  body: string;
}

type WriteHead = (status: number, headers?: OutgoingHttpHeaders) => ServerResponse;
type End = (body?: string) => ServerResponse;

function randomId(prefix: string, length = 24): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return prefix + Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
}

/**
 * A local HTTP server that answers like Stripe's API for the keys it knows: a 200 balance object for
 * a good key, 401 for an unknown one, and whatever a test's own handler says. It records every
 * request so tests can assert what was sent.
 */
export class FakeStripe {
  readonly requests: RecordedRequest[] = [];
  private server?: Server;
  private handlers: FakeStripeHandler[] = [];
  /** Keys Stripe accepts. */
  readonly validKeys = new Set<string>();
  /** Keys that get a special answer (see KeyBehavior), whether valid or not. */
  readonly behaviors = new Map<string, KeyBehavior>();
  /** Payment intents of invoices, by invoice id: `GET /v1/invoice_payments?invoice=...` lists one payment. */
  readonly invoicePayments = new Map<string, string>();
  /** Products, by id (any valid key reads them): `GET /v1/products/{id}`. */
  readonly products = new Map<string, { id: string; name: string }>();
  /** Webhook endpoints created through the API, by id. */
  readonly webhookEndpoints = new Map<string, FakeWebhookEndpoint>();
  /** Events Stripe created, by id (see sendEvent). */
  readonly events = new Map<string, FakeEvent>();
  /**
   * Restricted keys and the permissions they were given: such a key gets 403 where it lacks the
   * permission (only the events API checks it). Keys not listed may do everything.
   */
  readonly keyPermissions = new Map<string, ReadonlySet<string>>();
  /** Subscriptions, invoices, payment intents, charges and events of each key's account (fake-stripe-objects.ts). */
  readonly objects = new FakeStripeObjects();
  private readonly timers = new Set<NodeJS.Timeout>();
  private lateAnswers: LateAnswerRule[] = [];
  /** Results saved per (key, Idempotency-Key), replayed like Stripe does (https://docs.stripe.com/api/idempotent_requests). */
  private readonly idempotentResults = new Map<string, IdempotentResult>();

  get url(): string {
    const address = this.server?.address() as { port: number } | null;
    if (!address) throw new Error('FakeStripe is not started');
    return `http://127.0.0.1:${address.port}`;
  }

  use(handler: FakeStripeHandler): void {
    this.handlers.unshift(handler);
  }

  reset(): void {
    this.requests.length = 0;
    this.handlers = [];
    this.behaviors.clear();
    this.lateAnswers = [];
  }

  /**
   * The next `times` requests matching `method` and `path` are carried out at once (an endpoint is
   * created, an idempotency result saved) but answered only after `ms`: what a client whose deadline
   * is shorter sees as a time-out although Stripe did the work.
   */
  answerLate(ms: number, options: { method?: string; path?: RegExp; times?: number } = {}): void {
    this.lateAnswers.push({
      method: options.method ?? 'POST',
      path: options.path ?? /^\/v1\/webhook_endpoints(?:\?.*)?$/,
      ms,
      remaining: options.times ?? 1,
    });
  }

  /** Endpoints that belong to the account and mode of this key. */
  endpointsOf(key: string): FakeWebhookEndpoint[] {
    return [...this.webhookEndpoints.values()].filter((e) => e.apiKey === key);
  }

  /** Listens on 127.0.0.1, on `port` (0: any free port, what the tests use). */
  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        // Stripe's API bodies are small forms; a local fake never needs more than this.
        if (size > 1024 * 1024) return void req.destroy();
        chunks.push(c);
      });
      req.on('end', () => {
        const recorded: RecordedRequest = {
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        if (LOCAL_ROUTE.test(recorded.path)) return void this.localRoute(recorded, res);
        this.requests.push(recorded);
        for (const handler of this.handlers) if (handler(recorded, res)) return;
        this.defaultHandler(recorded, res);
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', resolve);
    });
  }

  /**
   * What `stripe trigger NAME` does against Stripe: builds the events of NAME (events.ts: a single
   * event type, `subscription-checkout` or `subscription-lifecycle`), and POSTs each, in order, to every enabled endpoint of
   * the mode (and, with `apiKey`, of that key's account) whose enabled_events include its type,
   * signed with that endpoint's secret as Stripe signs (`Stripe-Signature`). Null for an unknown name.
   */
  async trigger(name: string, options: { apiKey?: string; livemode?: boolean } = {}): Promise<TriggerResult | null> {
    const livemode = options.livemode ?? false;
    const events = buildEvents(name, { livemode });
    if (!events) return null;
    const deliveries: TriggerDelivery[] = [];
    for (const event of events) {
      const endpoints = [...this.webhookEndpoints.values()].filter(
        (e) =>
          e.status === 'enabled' &&
          e.livemode === livemode &&
          (options.apiKey === undefined || e.apiKey === options.apiKey) &&
          (e.enabled_events.includes('*') || e.enabled_events.includes(event.type)),
      );
      for (const endpoint of endpoints) deliveries.push(await this.deliver(event, endpoint));
    }
    return { events, deliveries };
  }

  private async deliver(event: StripeEvent, endpoint: FakeWebhookEndpoint): Promise<TriggerDelivery> {
    const payload = JSON.stringify(event, null, 2);
    const delivery = { event: event.id, type: event.type, endpoint: endpoint.id, url: endpoint.url };
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'Stripe-Signature': stripeSignature(payload, endpoint.secret),
        },
        body: payload,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      return { ...delivery, status: response.status, body: (await response.text()).slice(0, 1000) };
    } catch (error) {
      return { ...delivery, status: null, body: '', error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** `POST /_local/trigger` `{"event": NAME, "api_key"?: KEY, "livemode"?: false}`: see trigger(). */
  private localRoute(req: RecordedRequest, res: ServerResponse): void {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(`${JSON.stringify(body, null, 2)}\n`);
    };
    if (req.method !== 'POST' || req.path.split('?')[0] !== '/_local/trigger') {
      return json(404, {
        error: { message: 'Only POST /_local/trigger is served here', type: 'invalid_request_error' },
      });
    }
    let input: { event?: unknown; api_key?: unknown; livemode?: unknown };
    try {
      input = JSON.parse(req.body || '{}') as typeof input;
    } catch {
      return json(400, {
        error: { message: 'The body must be JSON: {"event": "invoice.paid"}', type: 'invalid_request_error' },
      });
    }
    const name = typeof input.event === 'string' ? input.event : '';
    const apiKey = typeof input.api_key === 'string' ? input.api_key : undefined;
    this.trigger(name, { apiKey, livemode: input.livemode === true }).then(
      (result) =>
        result
          ? json(200, result)
          : json(400, {
              error: {
                message: `Unknown event to trigger: "${name}". Supported: ${TRIGGER_NAMES.join(', ')}`,
                type: 'invalid_request_error',
              },
            }),
      (error: unknown) => json(500, { error: { message: String(error), type: 'api_error' } }),
    );
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private behave(behavior: KeyBehavior, key: string, res: ServerResponse): void {
    const masked = `${key.slice(0, 8)}*********${key.slice(-4)}`;
    switch (behavior.kind) {
      case 'expired':
        return stripeError(res, 401, {
          code: 'api_key_expired',
          doc_url: 'https://stripe.com/docs/error-codes/api-key-expired',
          message: `Expired API Key provided: ${masked}`,
          type: 'invalid_request_error',
        });
      case 'permission':
        return stripeError(res, 403, {
          message: `The provided key '${masked}' does not have the required permissions for this endpoint on account 'acct_1FakeAccount42'. Having the '${behavior.permission}' permission would allow this request to continue.`,
          type: 'invalid_request_error',
        });
      case 'rate_limited':
        return stripeError(res, 429, {
          code: 'rate_limit',
          message:
            'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
          type: 'invalid_request_error',
        });
      case 'server_error':
        return stripeError(res, 500, { message: 'An unknown error occurred', type: 'api_error' });
      case 'reset':
        res.socket?.destroy();
        return;
      case 'hang':
      case 'delay':
        return;
      case 'trickle': {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"object":"balance", ');
        const timer = setInterval(() => res.write(' '), 100);
        this.timers.add(timer);
        res.on('close', () => {
          clearInterval(timer);
          this.timers.delete(timer);
        });
        return;
      }
    }
  }

  /** `GET /v1/events/{id}`: 200 with the event when the key's account and mode created it, else 404. */
  private eventsApi(key: string, req: RecordedRequest, res: ServerResponse): boolean {
    const match = /^\/v1\/events\/([^/?]+)(?:\?.*)?$/.exec(req.path);
    if (!match || req.method !== 'GET') return false;
    const permissions = this.keyPermissions.get(key);
    if (permissions && !permissions.has(EVENT_READ_PERMISSION)) {
      stripeError(res, 403, {
        message: `The provided key '${maskedKey(req.headers.authorization)}' does not have the required permissions for this endpoint on account 'acct_1FakeAccount42'. Having the '${EVENT_READ_PERMISSION}' permission would allow this request to continue.`,
        type: 'invalid_request_error',
      });
      return true;
    }
    const id = decodeURIComponent(match[1]);
    const found = this.events.get(id);
    if (!found || found.apiKey !== key) {
      stripeError(res, 404, {
        code: 'resource_missing',
        doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
        message: `No such event: '${id}'`,
        param: 'id',
        type: 'invalid_request_error',
      });
      return true;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Request-Id': `req_${Date.now()}` });
    res.end(JSON.stringify(found.event));
    return true;
  }

  private webhookEndpointsApi(key: string, req: RecordedRequest, res: ServerResponse): boolean {
    const match = /^\/v1\/webhook_endpoints(?:\/([A-Za-z0-9_]+))?(?:\?.*)?$/.exec(req.path);
    if (!match) return false;
    const id = match[1];
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': `req_${Date.now()}` });
      res.end(JSON.stringify(body));
    };
    const publicView = (e: FakeWebhookEndpoint) => {
      const { apiKey: _key, secret: _secret, ...rest } = e;
      return rest;
    };
    const owned = id ? this.webhookEndpoints.get(id) : undefined;
    if (id && (!owned || owned.apiKey !== key)) {
      stripeError(res, 404, {
        code: 'resource_missing',
        message: `No such webhook endpoint: '${id}'`,
        param: 'id',
        type: 'invalid_request_error',
      });
      return true;
    }
    if (req.method === 'POST' && !id) {
      const form = new URLSearchParams(req.body);
      const url = form.get('url');
      if (!url) {
        stripeError(res, 400, {
          code: 'parameter_missing',
          message: 'Missing required param: url.',
          param: 'url',
          type: 'invalid_request_error',
        });
        return true;
      }
      const events = [...form.entries()].filter(([k]) => k.startsWith('enabled_events')).map(([, v]) => v);
      const metadata = Object.fromEntries(
        [...form.entries()].filter(([k]) => k.startsWith('metadata[')).map(([k, v]) => [k.slice(9, -1), v]),
      );
      const endpoint: FakeWebhookEndpoint = {
        id: randomId('we_'),
        object: 'webhook_endpoint',
        url,
        enabled_events: events,
        description: form.get('description'),
        metadata,
        livemode: key.includes('_live_'),
        status: 'enabled',
        secret: randomId('whsec_', 32),
        created: Math.floor(Date.now() / 1000),
        api_version: form.get('api_version'),
        apiKey: key,
      };
      this.webhookEndpoints.set(endpoint.id, endpoint);
      json(200, { ...publicView(endpoint), secret: endpoint.secret });
      return true;
    }
    if (req.method === 'GET' && !id) {
      // Newest first, `limit` (default 10, at most 100) per page, then `starting_after` the last id seen.
      const query = new URLSearchParams(req.path.split('?')[1] ?? '');
      const limit = Math.min(Math.max(Number(query.get('limit') ?? 10) || 10, 1), 100);
      const all = this.endpointsOf(key).reverse();
      const after = query.get('starting_after');
      const start = after ? all.findIndex((e) => e.id === after) + 1 : 0;
      json(200, {
        object: 'list',
        url: '/v1/webhook_endpoints',
        has_more: start + limit < all.length,
        data: all.slice(start, start + limit).map(publicView),
      });
      return true;
    }
    if (req.method === 'GET' && owned) {
      json(200, publicView(owned));
      return true;
    }
    if (req.method === 'POST' && owned) {
      // Update in place: the events, url, description, metadata given; the secret and api_version stay.
      const form = new URLSearchParams(req.body);
      const events = [...form.entries()].filter(([k]) => k.startsWith('enabled_events')).map(([, v]) => v);
      if (events.length > 0) owned.enabled_events = events;
      owned.url = form.get('url') ?? owned.url;
      owned.description = form.get('description') ?? owned.description;
      for (const [k, v] of form.entries()) if (k.startsWith('metadata[')) owned.metadata[k.slice(9, -1)] = v;
      json(200, publicView(owned));
      return true;
    }
    if (req.method === 'DELETE' && owned) {
      this.webhookEndpoints.delete(owned.id);
      json(200, { id: owned.id, object: 'webhook_endpoint', deleted: true });
      return true;
    }
    return false;
  }

  /** Buffers the answer and sends it `ms` later (if the client is still there). */
  private answeredLate(res: ServerResponse, ms: number): ServerResponse {
    const writeHead = res.writeHead.bind(res) as WriteHead;
    const end = res.end.bind(res) as End;
    let head: [number, OutgoingHttpHeaders?] | undefined;
    const lateWriteHead: WriteHead = (status, headers) => {
      head = [status, headers];
      return res;
    };
    const lateEnd: End = (body) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (res.destroyed) return;
        if (head) writeHead(...head);
        end(body);
      }, ms);
      this.timers.add(timer);
      return res;
    };
    return Object.assign(res, { writeHead: lateWriteHead, end: lateEnd });
  }

  /** Calls `save` with the answer as it is written. */
  private recorded(res: ServerResponse, save: (status: number, headers: OutgoingHttpHeaders, body: string) => void) {
    const writeHead = res.writeHead.bind(res) as WriteHead;
    const end = res.end.bind(res) as End;
    let status = 200;
    let headers: OutgoingHttpHeaders = {};
    const recordingWriteHead: WriteHead = (s, h) => {
      [status, headers] = [s, h ?? {}];
      return writeHead(s, h);
    };
    const recordingEnd: End = (body) => {
      save(status, headers, body ?? '');
      return end(body);
    };
    return Object.assign(res, { writeHead: recordingWriteHead, end: recordingEnd });
  }

  /**
   * Stripe's idempotent requests: a POST with an `Idempotency-Key` already used with this key's account
   * gets the saved answer again (`Idempotent-Replayed: true`), or a 400 idempotency_error when the
   * parameters differ. Returns the response to use, or null when the request was answered here.
   */
  private idempotency(key: string, req: RecordedRequest, res: ServerResponse): ServerResponse | null {
    const idempotencyKey = req.headers['idempotency-key'];
    if (req.method !== 'POST' || typeof idempotencyKey !== 'string') return res;
    const slot = `${key}\n${idempotencyKey}`;
    const request = `${req.path}\n${req.body}`;
    const saved = this.idempotentResults.get(slot);
    if (!saved) {
      return this.recorded(res, (status, headers, body) =>
        this.idempotentResults.set(slot, { request, status, headers, body }),
      );
    }
    if (saved.request !== request) {
      stripeError(res, 400, {
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
        type: 'idempotency_error',
      });
      return null;
    }
    res.writeHead(saved.status, { ...saved.headers, 'Idempotent-Replayed': 'true' });
    res.end(saved.body);
    return null;
  }

  private defaultHandler(req: RecordedRequest, res: ServerResponse): void {
    const late = this.lateAnswers.find((r) => r.remaining > 0 && r.method === req.method && r.path.test(req.path));
    if (late) {
      late.remaining--;
      res = this.answeredLate(res, late.ms);
    }
    const key = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    const behavior = this.behaviors.get(key);
    if (behavior?.kind === 'delay') {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.normalHandler(key, req, res);
      }, behavior.ms);
      this.timers.add(timer);
      return;
    }
    if (behavior) return this.behave(behavior, key, res);
    this.normalHandler(key, req, res);
  }

  private normalHandler(key: string, req: RecordedRequest, res: ServerResponse): void {
    if (!this.validKeys.has(key)) {
      stripeError(res, 401, {
        message: `Invalid API Key provided: ${maskedKey(req.headers.authorization)}`,
        type: 'invalid_request_error',
      });
      return;
    }
    const answer = this.idempotency(key, req, res);
    if (!answer) return;
    res = answer;
    if (req.method === 'GET' && req.path.startsWith('/v1/balance')) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          object: 'balance',
          available: [{ amount: 0, currency: 'usd', source_types: { card: 0 } }],
          livemode: key.includes('_live_'),
          pending: [{ amount: 0, currency: 'usd', source_types: { card: 0 } }],
        }),
      );
      return;
    }
    if (this.eventsApi(key, req, res)) return;
    if (this.webhookEndpointsApi(key, req, res)) return;
    if (req.method === 'GET' && req.path.startsWith('/v1/invoice_payments?')) {
      const invoice = new URLSearchParams(req.path.split('?')[1]).get('invoice') ?? '';
      const intent = this.invoicePayments.get(invoice);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          object: 'list',
          url: '/v1/invoice_payments',
          has_more: false,
          data: intent
            ? [
                {
                  id: `inpay_${invoice}`,
                  object: 'invoice_payment',
                  invoice,
                  is_default: true,
                  status: 'open',
                  payment: { type: 'payment_intent', payment_intent: intent },
                },
              ]
            : [],
        }),
      );
      return;
    }
    const product = /^\/v1\/products\/([A-Za-z0-9_]+)$/.exec(req.path);
    if (req.method === 'GET' && product) {
      const found = this.products.get(product[1]);
      if (!found) {
        stripeError(res, 404, {
          code: 'resource_missing',
          message: `No such product: '${product[1]}'`,
          param: 'id',
          type: 'invalid_request_error',
        });
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ object: 'product', active: true, livemode: key.includes('_live_'), ...found }));
      return;
    }
    if (serveStripeObjects(this.objects, key, req, res)) return;
    stripeError(res, 404, {
      message: `Unrecognized request URL (${req.method}: ${req.path}).`,
      type: 'invalid_request_error',
    });
  }
}

// ---------------------------------------------------------------------------------------------------
// Integration-health scenarios: endpoints set up outside this service (as in Stripe's
// dashboard), and endpoints Stripe or the developer disabled. Separate functions, on purpose.
// ---------------------------------------------------------------------------------------------------

/** An endpoint created in the dashboard of the account and mode of `apiKey`; returns it (with its secret). */
export function addDashboardWebhookEndpoint(
  fake: FakeStripe,
  apiKey: string,
  endpoint: {
    url: string;
    enabled_events?: string[];
    status?: 'enabled' | 'disabled';
    metadata?: Record<string, string>;
    livemode?: boolean;
  },
): FakeWebhookEndpoint {
  const created: FakeWebhookEndpoint = {
    id: randomId('we_'),
    object: 'webhook_endpoint',
    url: endpoint.url,
    enabled_events: endpoint.enabled_events ?? ['*'],
    description: null,
    metadata: endpoint.metadata ?? {},
    livemode: endpoint.livemode ?? apiKey.includes('_live_'),
    status: endpoint.status ?? 'enabled',
    secret: randomId('whsec_', 32),
    created: Math.floor(Date.now() / 1000),
    api_version: null,
    apiKey,
  };
  fake.webhookEndpoints.set(created.id, created);
  return created;
}

/** Disables (or re-enables) an endpoint, as the dashboard does, or Stripe after repeated failed deliveries. */
export function setWebhookEndpointStatus(fake: FakeStripe, id: string, status: 'enabled' | 'disabled'): void {
  const endpoint = fake.webhookEndpoints.get(id);
  if (!endpoint) throw new Error(`FakeStripe has no webhook endpoint ${id}`);
  endpoint.status = status;
}

/**
 * An event Stripe creates in the account and mode of `apiKey` (so `GET /v1/events/{id}` with that key
 * finds it); returns its JSON, as Stripe delivers it (id first), ready to be signed and delivered.
 */
export function sendEvent(fake: FakeStripe, apiKey: string, overrides: Record<string, unknown> = {}): string {
  const event: Record<string, unknown> = {
    id: randomId('evt_'),
    object: 'event',
    api_version: '2024-06-20',
    created: Math.floor(Date.now() / 1000),
    livemode: apiKey.includes('_live_'),
    type: 'invoice.paid',
    data: { object: {} },
    ...overrides,
  };
  fake.events.set(event.id as string, { event, apiKey });
  return JSON.stringify(event);
}
