/**
 * The journey every generated client runs against the live app (test/generated-clients.e2e-spec.ts).
 * The files of this folder are compiled with `tsc --strict` together with the code each generator
 * writes into test/generated/ (gitignored), so they are excluded from the project's tsconfig.json.
 */
export interface JourneyInput {
  baseUrl: string;
  email: string;
  password: string;
  /** Known to the fake Stripe the app talks to. */
  testSecretKey: string;
  testPublishableKey: string;
  /**
   * Sees every response (a clone), e.g. to check it against the committed spec, with the Content-Type
   * the client sent (null: none), e.g. to check that login went out as JSON.
   */
  observe(method: string, url: string, response: Response, requestContentType: string | null): Promise<void>;
  /** Has Stripe deliver one signed event to the project's test endpoint (created in the journey); its `evt_` id. */
  deliverEvent(projectId: string): Promise<string>;
  /**
   * Has Stripe deliver, signed, the events of a subscription bought at checkout and paid (checkout
   * session, subscription, invoice, invoice payment, payment intent); what they name.
   */
  deliverSubscription(projectId: string): Promise<BoughtSubscription>;
}

export interface BoughtSubscription {
  subscriptionId: string;
  customerId: string;
  userId: string;
  paymentIntentId: string;
}

/** The fields of the ledger's rows the journey checks (every generator types them from the spec). */
export interface LedgerSubscription {
  id: string;
  project_id: string;
  user_id: string | null;
  is_test_mode: boolean;
  subscription_id: string;
  customer_id: string | null;
  status: string;
  plan_name: string | null;
  quantity: number;
  current_period_end: string | null;
  cancelled_at: string | null;
  created_at: string;
}

export interface LedgerPayment {
  id: string;
  project_id: string;
  subscription_id: string | null;
  user_id: string | null;
  is_test_mode: boolean;
  payment_intent_id: string;
  status: string;
  amount_cents: number;
  currency: string;
  refunded_amount_cents: number;
  created_at: string;
}

interface Page {
  total: number;
  page: number;
  page_size: number;
}

export type SubscriptionList = Page & { subscriptions: LedgerSubscription[] };
export type PaymentList = Page & { payments: LedgerPayment[] };
export type AggregatedSubscriptionList = Page & {
  subscriptions: (LedgerSubscription & { project_name: string; provider: string })[];
};
export type AggregatedPaymentList = Page & { payments: (LedgerPayment & { project_name: string; provider: string })[] };

export interface ProjectPaymentConfigs {
  total: number;
  projects: {
    id: string;
    name: string;
    has_payment_config: boolean;
    has_test_credentials: boolean;
    has_live_credentials: boolean;
  }[];
}

export interface PaymentStats {
  total_projects: number;
  projects_with_config: number;
  projects_with_test: number;
  projects_with_live: number;
  total_subscriptions: number;
  active_subscriptions: number;
  total_payments: number;
  successful_payments: number;
  total_revenue_cents: number;
  currency: string;
  revenue_by_currency: {
    currency: string;
    total_payments: number;
    successful_payments: number;
    total_revenue_cents: number;
  }[];
}

/** What the ledger's lists and stats answered after the subscription's events were delivered. */
export interface LedgerSeen {
  bought: BoughtSubscription;
  subscriptions: SubscriptionList;
  payments: PaymentList;
  allSubscriptions: AggregatedSubscriptionList;
  allTransactions: AggregatedPaymentList;
  projects: ProjectPaymentConfigs;
  stats: PaymentStats;
}

export interface JourneyResult {
  statuses: string[];
  email: string | undefined;
  tokenType: string | undefined;
  projectId: string;
  maskedAfterPut: string | null | undefined;
  versionAfterPut: number | undefined;
  maskedOnGet: string | null | undefined;
  versionOnGet: number | undefined;
  /** The 412 of a PUT with a stale If-Match: its `detail`, read from the error body. */
  conflict: { status: number; detail: unknown };
  validation: { valid: boolean; message: string } | undefined;
  testWebhookUrl: string | undefined;
  endpointSecretMasked: string | undefined;
  eventsListed: { total: number; types: string[] } | undefined;
  eventFetched: { type: string; eventId: string } | undefined;
  deliveredEventId: string;
  ledger: LedgerSeen;
  activeAfterDelete: boolean | undefined;
}

/** The Content-Type a fetch call sends, whichever way its headers were given. */
export function contentTypeOf(init: RequestInit | Request | undefined): string | null {
  return new Headers(init?.headers).get('content-type');
}

export function fail(step: string, status: number, body: unknown): never {
  throw new Error(`${step}: HTTP ${status} ${JSON.stringify(body)}`);
}

/** A generated client's answer to one call: the HTTP status, and the body (`data` on success, else `error`). */
export interface Answer<T> {
  status: number;
  data?: T;
  error?: unknown;
}

interface Config {
  test_secret_key_masked: string | null;
  is_active: boolean;
  version: number;
}

/**
 * The journey's operations through one generated client (each file of this folder maps its SDK's
 * calls onto these, so that they compile against the generated types); every call after
 * `useToken` carries the bearer token. `ifMatch` goes into the If-Match header.
 */
export interface JourneyClient {
  /** `METHOD status` of every response, in order. */
  statuses: string[];
  useToken(token: string): void;
  register(body: { email: string; password: string; full_name: string }): Promise<Answer<unknown>>;
  login(body: { email: string; password: string }): Promise<Answer<{ access_token: string; token_type: string }>>;
  getCurrentUser(): Promise<Answer<{ email: string }>>;
  createProject(body: { name: string; description: null }): Promise<Answer<{ id: string }>>;
  updateStripeConfig(
    projectId: string,
    body: { test_secret_key: string; test_publishable_key: string },
    ifMatch?: string,
  ): Promise<Answer<Config>>;
  getStripeConfig(projectId: string): Promise<Answer<Config | null>>;
  validateStripeCredentials(
    projectId: string,
    body: { secret_key: string; is_test_mode: boolean },
  ): Promise<Answer<{ valid: boolean; message: string }>>;
  getWebhookUrls(projectId: string): Promise<Answer<{ test_webhook_url: string }>>;
  createWebhookEndpoint(projectId: string, body: { mode: 'test' }): Promise<Answer<{ webhook_secret_masked: string }>>;
  listWebhookEvents(
    projectId: string,
    query: { mode: 'test' },
  ): Promise<Answer<{ total: number; items: { id: string; type: string }[] }>>;
  getWebhookEvent(projectId: string, webhookEventId: string): Promise<Answer<{ type: string; event_id: string }>>;
  deleteStripeConfig(projectId: string, ifMatch?: string): Promise<Answer<unknown>>;
  /** The project's own lists, with their defaults (test mode, page 1 of 50). */
  listProjectSubscriptions(projectId: string): Promise<Answer<SubscriptionList>>;
  listProjectPayments(projectId: string): Promise<Answer<PaymentList>>;
  /** Across the caller's projects, filtered. */
  listAllSubscriptions(query: { project_id: string; status: string }): Promise<Answer<AggregatedSubscriptionList>>;
  listAllTransactions(query: { project_id: string; test_mode: boolean }): Promise<Answer<AggregatedPaymentList>>;
  listProjectsPaymentConfig(): Promise<Answer<ProjectPaymentConfigs>>;
  getPaymentStats(): Promise<Answer<PaymentStats>>;
}

/**
 * The journey, written once: register, log in, create a project; PUT its config, GET it, PUT again
 * with a stale If-Match (412, read from the error body); validate a key, the webhook URLs; create the
 * webhook endpoint in Stripe, have Stripe deliver an event, list and fetch it; have Stripe deliver a
 * subscription's checkout and payment, and read the payments ledger (the project's subscriptions and
 * payments, the lists across projects, the projects' payment configuration, the stats); DELETE with
 * the If-Match built from the body's `version`, and GET the inactive config.
 */
export async function runJourneyWith(
  client: JourneyClient,
  input: JourneyInput,
  label: string,
): Promise<JourneyResult> {
  const succeeded = <T>(step: string, answer: Answer<T>, status: number): T => {
    if (answer.status !== status || answer.data === undefined) fail(step, answer.status, answer.error ?? answer.data);
    return answer.data;
  };
  const account = { email: input.email, password: input.password };
  succeeded('register', await client.register({ ...account, full_name: label }), 201);
  const signedIn = succeeded('login', await client.login(account), 200);
  client.useToken(signedIn.access_token);

  const me = await client.getCurrentUser();
  const project = { name: `${label} project`, description: null };
  const projectId = succeeded('createProject', await client.createProject(project), 201).id;

  const keys = { test_secret_key: input.testSecretKey, test_publishable_key: input.testPublishableKey };
  const put = succeeded('updateStripeConfig', await client.updateStripeConfig(projectId, keys), 200);
  const got = await client.getStripeConfig(projectId);
  // A stale version: what a second editor's client sends after someone else saved.
  const stale = await client.updateStripeConfig(projectId, keys, `"${put.version - 1}"`);
  const conflict = { status: stale.status, detail: (stale.error as { detail?: unknown } | undefined)?.detail };

  const check = { secret_key: input.testSecretKey, is_test_mode: true };
  const validated = await client.validateStripeCredentials(projectId, check);
  const urls = await client.getWebhookUrls(projectId);

  const endpoint = succeeded(
    'createWebhookEndpoint',
    await client.createWebhookEndpoint(projectId, { mode: 'test' }),
    201,
  );
  const deliveredEventId = await input.deliverEvent(projectId);
  const events = succeeded('listWebhookEvents', await client.listWebhookEvents(projectId, { mode: 'test' }), 200);
  const event = events.items[0] ? await client.getWebhookEvent(projectId, events.items[0].id) : undefined;

  const bought = await input.deliverSubscription(projectId);
  const ledger: LedgerSeen = {
    bought,
    subscriptions: succeeded('listProjectSubscriptions', await client.listProjectSubscriptions(projectId), 200),
    payments: succeeded('listProjectPayments', await client.listProjectPayments(projectId), 200),
    allSubscriptions: succeeded(
      'listAllSubscriptions',
      await client.listAllSubscriptions({ project_id: projectId, status: 'active' }),
      200,
    ),
    allTransactions: succeeded(
      'listAllTransactions',
      await client.listAllTransactions({ project_id: projectId, test_mode: true }),
      200,
    ),
    projects: succeeded('listProjectsPaymentConfig', await client.listProjectsPaymentConfig(), 200),
    stats: succeeded('getPaymentStats', await client.getPaymentStats(), 200),
  };

  const current = succeeded('getStripeConfig', await client.getStripeConfig(projectId), 200);
  const deleted = await client.deleteStripeConfig(projectId, `"${current?.version}"`);
  if (deleted.status !== 204) fail('deleteStripeConfig', deleted.status, deleted.error);
  const after = await client.getStripeConfig(projectId);

  return {
    statuses: client.statuses,
    email: me.data?.email,
    tokenType: signedIn.token_type,
    projectId,
    maskedAfterPut: put.test_secret_key_masked,
    versionAfterPut: put.version,
    maskedOnGet: got.data?.test_secret_key_masked,
    versionOnGet: got.data?.version,
    conflict,
    validation: validated.data,
    testWebhookUrl: urls.data?.test_webhook_url,
    endpointSecretMasked: endpoint.webhook_secret_masked,
    eventsListed: { total: events.total, types: events.items.map((e) => e.type) },
    eventFetched: event?.data ? { type: event.data.type, eventId: event.data.event_id } : undefined,
    deliveredEventId,
    ledger,
    activeAfterDelete: after.data?.is_active,
  };
}
