import { BadGatewayException, GatewayTimeoutException, Inject, Injectable, Logger } from '@nestjs/common';
import http from 'node:http';
import https from 'node:https';
import { stripeSdk, type StripeSdk as Stripe } from './stripe-sdk';
import { maskSecretsInText } from './key-masking';
import { API_KEY_PREFIX_SOURCE, isWebhookSecretShape, WEBHOOK_SECRET_PREFIX_SOURCE } from './stripe-keys';
import { stripeApiConfig, type StripeApiConfig } from './stripe-api.config';

/** What went wrong in a call to Stripe, in the terms a developer can act on. */
export type StripeFailureKind =
  | 'invalid_key' // 401
  | 'expired_key' // 401 api_key_expired
  | 'permission' // 403: a restricted key without the needed permission
  | 'rate_limited' // 429
  | 'not_found' // 404 resource_missing
  | 'rejected' // any other 4xx: Stripe refused the request itself
  | 'stripe_error' // 5xx
  | 'timeout' // no answer within STRIPE_TIMEOUT_MS
  | 'unreachable'; // connection refused, reset, DNS...

/**
 * A failed call to Stripe. `message` is ours (or Stripe's with keys masked and account ids removed),
 * safe to show the developer; the SDK error object itself is never kept, logged or returned.
 */
export class StripeCallError extends Error {
  constructor(
    readonly kind: StripeFailureKind,
    message: string,
    readonly details: { permission?: string; param?: string; code?: string } = {},
  ) {
    super(message);
    this.name = 'StripeCallError';
  }
}

/** Stripe could not answer (no answer in time: 504; unreachable or failing: 502), whatever the call was. */
export function throwIfStripeUnavailable(error: StripeCallError): void {
  if (error.kind === 'timeout') throw new GatewayTimeoutException(error.message);
  if (error.kind === 'unreachable' || error.kind === 'stripe_error') throw new BadGatewayException(error.message);
}

export interface CreatedWebhookEndpoint {
  id: string;
  url: string;
  enabledEvents: string[];
  /** The `whsec_` signing secret: Stripe returns it on creation only. */
  secret: string;
}

export interface WebhookEndpointParams {
  url: string;
  events: string[];
  description: string;
  metadata: Record<string, string>;
  /** The API version the endpoint's events are rendered in (set on creation only: Stripe cannot change it later). */
  apiVersion?: string;
}

/** A webhook endpoint as listed by Stripe (no secret: Stripe returns it on creation only). */
export interface ListedWebhookEndpoint {
  id: string;
  url: string;
  metadata: Record<string, string>;
  /** `enabled`, or `disabled` (by the developer, or by Stripe after repeated failed deliveries). */
  status: string;
  enabledEvents: string[];
  livemode: boolean;
}

/** A key or webhook secret in Stripe's message, up to the next space or quote (whatever its body). */
const API_KEY_IN_TEXT = new RegExp(`${API_KEY_PREFIX_SOURCE}[^\\s'"]*`, 'g');
const WEBHOOK_SECRET_IN_TEXT = new RegExp(`${WEBHOOK_SECRET_PREFIX_SOURCE}[^\\s'"]*`, 'g');

/** Removes what Stripe's messages carry that the developer does not need: keys and account ids. */
function safeStripeMessage(message: string): string {
  const cleaned = message
    .replace(API_KEY_IN_TEXT, '(key)')
    .replace(WEBHOOK_SECRET_IN_TEXT, '(secret)')
    .replace(/acct_[A-Za-z0-9]+/g, '(account)');
  return maskSecretsInText(cleaned.split('\n')[0].slice(0, 300));
}

type StripeHttpClient = ReturnType<typeof Stripe.createNodeHttpClient>;

/**
 * The SDK retries a request whose connection was closed (ECONNRESET, EPIPE) once, even with
 * `maxNetworkRetries: 0` (stripe-node#1040). Calls to Stripe must not be retried automatically, so
 * this HTTP client reports such a failure under another code, which the SDK does not retry; it still
 * becomes a StripeConnectionError ("Could not reach Stripe"). Connections are not kept alive, so a
 * stale pooled socket (the case that retry is for) cannot occur.
 */
function withoutClosedConnectionRetry(inner: StripeHttpClient): StripeHttpClient {
  const client = Object.create(inner) as StripeHttpClient;
  client.makeRequest = (...args: Parameters<StripeHttpClient['makeRequest']>) =>
    inner.makeRequest(...args).catch((error: unknown) => {
      const code = (error as { code?: unknown } | null)?.code;
      if (code === 'ECONNRESET' || code === 'EPIPE') {
        throw Object.assign(new Error(`Connection to Stripe closed (${code})`), { code: 'STRIPE_CONNECTION_CLOSED' });
      }
      throw error;
    });
  return client;
}

let httpClients: Record<'http' | 'https', StripeHttpClient> | undefined;

/** One HTTP client per protocol, made on the first call to Stripe (the SDK is loaded then). */
function httpClientFor(protocol: 'http' | 'https'): StripeHttpClient {
  const sdk = stripeSdk();
  httpClients ??= {
    http: withoutClosedConnectionRetry(sdk.createNodeHttpClient(new http.Agent({ keepAlive: false }))),
    https: withoutClosedConnectionRetry(sdk.createNodeHttpClient(new https.Agent({ keepAlive: false }))),
  };
  return httpClients[protocol];
}

/**
 * The only place that talks to Stripe. Each call builds a client for the given key (keys are per
 * project), pointed at STRIPE_API_BASE, with a short timeout and no automatic retries, and is cut
 * off by a hard deadline of STRIPE_TIMEOUT_MS (the SDK's own timeout only measures socket idleness,
 * so a server trickling bytes could otherwise hold a request open for ever).
 */
@Injectable()
export class StripeApiClient {
  private readonly logger = new Logger(StripeApiClient.name);

  constructor(@Inject(stripeApiConfig.KEY) private readonly config: StripeApiConfig) {}

  clientFor(secretKey: string, options: { retries?: number } = {}): Stripe {
    const base = new URL(this.config.apiBase);
    const Sdk = stripeSdk();
    return new Sdk(secretKey, {
      host: base.hostname,
      port: base.port || (base.protocol === 'https:' ? 443 : 80),
      protocol: base.protocol === 'https:' ? 'https' : 'http',
      timeout: this.config.timeoutMs,
      maxNetworkRetries: options.retries ?? 0,
      httpClient: httpClientFor(base.protocol === 'https:' ? 'https' : 'http'),
      telemetry: false,
    });
  }

  /** One balance read with the key: the cheapest call every secret or restricted key may be allowed. */
  async checkSecretKey(secretKey: string): Promise<void> {
    await this.call('check a key', () => this.clientFor(secretKey).balance.retrieve());
  }

  /**
   * Creates a webhook endpoint. With the same `idempotencyKey` and parameters, Stripe answers a repeated
   * call with the endpoint (and secret) the first one created instead of creating another (for 24 h).
   */
  async createWebhookEndpoint(
    secretKey: string,
    params: WebhookEndpointParams,
    idempotencyKey: string,
  ): Promise<CreatedWebhookEndpoint> {
    const endpoint = await this.call('create a webhook endpoint', () =>
      this.clientFor(secretKey).webhookEndpoints.create(
        {
          url: params.url,
          enabled_events: params.events as Stripe.WebhookEndpointCreateParams.EnabledEvent[],
          description: params.description,
          metadata: params.metadata,
          ...(params.apiVersion
            ? { api_version: params.apiVersion as Stripe.WebhookEndpointCreateParams.ApiVersion }
            : {}),
        },
        { idempotencyKey },
      ),
    );
    if (typeof endpoint.secret !== 'string' || !isWebhookSecretShape(endpoint.secret)) {
      throw new StripeCallError('stripe_error', 'Stripe did not return a signing secret for the new endpoint');
    }
    return { id: endpoint.id, url: endpoint.url, enabledEvents: endpoint.enabled_events, secret: endpoint.secret };
  }

  /** Every webhook endpoint of the key's account and mode (Stripe allows 16; pages of 100, at most 10 pages). */
  async listWebhookEndpoints(secretKey: string): Promise<ListedWebhookEndpoint[]> {
    const endpoints: ListedWebhookEndpoint[] = [];
    let startingAfter: string | undefined;
    for (let page = 0; page < 10; page++) {
      const list = await this.call('list webhook endpoints', () =>
        this.clientFor(secretKey).webhookEndpoints.list({
          limit: 100,
          ...(startingAfter ? { starting_after: startingAfter } : {}),
        }),
      );
      endpoints.push(
        ...list.data.map((e) => ({
          id: e.id,
          url: e.url,
          metadata: e.metadata ?? {},
          status: e.status,
          enabledEvents: e.enabled_events ?? [],
          livemode: e.livemode,
        })),
      );
      if (!list.has_more || list.data.length === 0) return endpoints;
      startingAfter = list.data[list.data.length - 1].id;
    }
    throw new StripeCallError('rejected', 'Stripe listed more webhook endpoints than expected');
  }

  /**
   * Updates an endpoint in place (its url, events, description, metadata): the signing secret stays.
   * Null when Stripe no longer has it.
   */
  async updateWebhookEndpoint(
    secretKey: string,
    endpointId: string,
    params: WebhookEndpointParams,
  ): Promise<{ id: string; url: string; enabledEvents: string[] } | null> {
    try {
      const endpoint = await this.call('update a webhook endpoint', () =>
        this.clientFor(secretKey).webhookEndpoints.update(endpointId, {
          url: params.url,
          enabled_events: params.events as Stripe.WebhookEndpointUpdateParams.EnabledEvent[],
          description: params.description,
          metadata: params.metadata,
        }),
      );
      return { id: endpoint.id, url: endpoint.url, enabledEvents: endpoint.enabled_events };
    } catch (error) {
      if (error instanceof StripeCallError && error.kind === 'not_found') return null;
      throw error;
    }
  }

  /** A product's name (the plan name of a price without nickname); null when Stripe has no such product. */
  async productName(secretKey: string, productId: string): Promise<string | null> {
    try {
      const product = await this.call('read a product', () => this.clientFor(secretKey).products.retrieve(productId));
      return typeof product.name === 'string' ? product.name : null;
    } catch (error) {
      if (error instanceof StripeCallError && error.kind === 'not_found') return null;
      throw error;
    }
  }

  /**
   * The payment intent of an invoice's first payment (2025+ API versions name it only on invoice_payment
   * objects); null when the invoice has none.
   */
  async invoicePaymentIntent(secretKey: string, invoiceId: string): Promise<string | null> {
    const list = await this.call('list invoice payments', () =>
      this.clientFor(secretKey).invoicePayments.list({ invoice: invoiceId, limit: 10 }),
    );
    for (const payment of list.data) {
      const intent = payment.payment?.payment_intent;
      const id = typeof intent === 'string' ? intent : intent?.id;
      if (id) return id;
    }
    return null;
  }

  /** Deletes a webhook endpoint; `false` when Stripe no longer has it (already deleted). */
  async deleteWebhookEndpoint(secretKey: string, endpointId: string): Promise<boolean> {
    try {
      await this.call('delete a webhook endpoint', () => this.clientFor(secretKey).webhookEndpoints.del(endpointId));
      return true;
    } catch (error) {
      if (error instanceof StripeCallError && error.kind === 'not_found') return false;
      throw error;
    }
  }

  /**
   * Whether the key's account (in the key's mode) has this event: `GET /v1/events/{id}`. true on 200,
   * false on 404 (Stripe never created it for that account and mode); any other answer (403 of a
   * restricted key without the events permission, 401, 429, 5xx, no answer in time) throws.
   */
  async eventExists(secretKey: string, eventId: string): Promise<boolean> {
    try {
      await this.call('retrieve an event', () => this.clientFor(secretKey).events.retrieve(eventId));
      return true;
    } catch (error) {
      if (error instanceof StripeCallError && error.kind === 'not_found') return false;
      throw error;
    }
  }

  /**
   * Runs one SDK call under the hard deadline and turns any failure into a StripeCallError; for the
   * features that make calls of their own through clientFor (the payments ledger's list pages).
   */
  async call<T>(action: string, work: () => Promise<T>): Promise<T> {
    const timeoutMs = this.config.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const pending = work();
    pending.catch(() => undefined); // settled after the deadline: nothing left to report to
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new StripeCallError('timeout', `Stripe did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([pending, deadline]);
    } catch (error) {
      const failure = this.classify(error);
      this.logger.warn(`Stripe call failed (${action}): ${this.describeForLog(error, failure)}`);
      throw failure;
    } finally {
      clearTimeout(timer);
    }
  }

  private describeForLog(error: unknown, failure: StripeCallError): string {
    const { errors } = stripeSdk();
    if (error instanceof errors.StripeError) {
      return `kind=${failure.kind} type=${error.type} status=${error.statusCode ?? '-'} code=${error.code ?? '-'} request=${error.requestId ?? '-'}`;
    }
    return `kind=${failure.kind}`;
  }

  private classify(error: unknown): StripeCallError {
    if (error instanceof StripeCallError) return error;
    const { errors } = stripeSdk();
    if (!(error instanceof errors.StripeError)) {
      return new StripeCallError('unreachable', 'Could not reach Stripe');
    }
    const timeoutMs = this.config.timeoutMs;
    if (error instanceof errors.StripeConnectionError) {
      const detail = (error as { detail?: { code?: string } }).detail;
      return detail?.code === 'ETIMEDOUT' || /timeout/i.test(error.message)
        ? new StripeCallError('timeout', `Stripe did not answer within ${timeoutMs} ms`)
        : new StripeCallError('unreachable', 'Could not reach Stripe');
    }
    const code = error.code ?? undefined;
    if (error instanceof errors.StripeAuthenticationError) {
      return code === 'api_key_expired'
        ? new StripeCallError('expired_key', 'the API key has expired', { code })
        : new StripeCallError('invalid_key', 'invalid API key', { code });
    }
    if (error instanceof errors.StripePermissionError) {
      const permission = /'(rak_[a-z_]+)'/.exec(error.message)?.[1];
      return new StripeCallError(
        'permission',
        permission
          ? `the restricted key is missing the permission ${permission}`
          : 'the restricted key does not have the permission needed for this call',
        { permission, code },
      );
    }
    if (error instanceof errors.StripeRateLimitError) {
      return new StripeCallError('rate_limited', 'rate limited by Stripe, try again later', { code });
    }
    const status = error.statusCode ?? 0;
    if (status >= 500 || status === 0) {
      return new StripeCallError('stripe_error', 'Stripe returned a server error, try again later', { code });
    }
    if (status === 404 && code === 'resource_missing') {
      return new StripeCallError('not_found', 'Stripe has no such object', { code });
    }
    return new StripeCallError('rejected', safeStripeMessage(error.message || `Stripe rejected the request`), {
      code,
      param: error.param ?? undefined,
    });
  }
}
