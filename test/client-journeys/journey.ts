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
  /** Sees every response (a clone), e.g. to check it against the committed spec. */
  observe(method: string, url: string, response: Response): Promise<void>;
}

export interface JourneyResult {
  statuses: string[];
  email: string | undefined;
  tokenType: string | undefined;
  projectId: string;
  maskedAfterPut: string | null | undefined;
  maskedOnGet: string | null | undefined;
  validation: { valid: boolean; message: string } | undefined;
  testWebhookUrl: string | undefined;
  activeAfterDelete: boolean | undefined;
}

export function fail(step: string, status: number, body: unknown): never {
  throw new Error(`${step}: HTTP ${status} ${JSON.stringify(body)}`);
}

/** A generated client's answer to one call: the HTTP status, and the body when the call succeeded. */
export interface Answer<T> {
  status: number;
  data?: T;
  error?: unknown;
}

/**
 * The journey's operations through one generated client (each file of this folder maps its SDK's
 * calls onto these, so that they compile against the generated types); every call after
 * `useToken` carries the bearer token.
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
  ): Promise<Answer<{ test_secret_key_masked: string | null }>>;
  getStripeConfig(
    projectId: string,
  ): Promise<Answer<{ test_secret_key_masked: string | null; is_active: boolean } | null>>;
  validateStripeCredentials(
    projectId: string,
    body: { secret_key: string; is_test_mode: boolean },
  ): Promise<Answer<{ valid: boolean; message: string }>>;
  getWebhookUrls(projectId: string): Promise<Answer<{ test_webhook_url: string }>>;
  deleteStripeConfig(projectId: string): Promise<Answer<unknown>>;
}

/** The journey, written once: register, log in, create a project, then PUT/GET/validate/URLs/DELETE/GET its config. */
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
  const check = { secret_key: input.testSecretKey, is_test_mode: true };
  const validated = await client.validateStripeCredentials(projectId, check);
  const urls = await client.getWebhookUrls(projectId);
  const deleted = await client.deleteStripeConfig(projectId);
  if (deleted.status !== 204) fail('deleteStripeConfig', deleted.status, deleted.error);
  const after = await client.getStripeConfig(projectId);

  return {
    statuses: client.statuses,
    email: me.data?.email,
    tokenType: signedIn.token_type,
    projectId,
    maskedAfterPut: put.test_secret_key_masked,
    maskedOnGet: got.data?.test_secret_key_masked,
    validation: validated.data,
    testWebhookUrl: urls.data?.test_webhook_url,
    activeAfterDelete: after.data?.is_active,
  };
}
