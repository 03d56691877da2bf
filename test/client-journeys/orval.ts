import {
  createProject,
  deleteStripeConfig,
  getCurrentUser,
  getStripeConfig,
  getWebhookUrls,
  login,
  register,
  updateStripeConfig,
  validateStripeCredentials,
} from '../generated/orval/api';
import { fail, type JourneyInput, type JourneyResult } from './journey';

/** The server the committed spec names, which orval wrote into every URL (getBaseUrlFromSpecification). */
const SPEC_SERVER = 'http://127.0.0.1:3000';

/**
 * The journey through the fetch client orval generated. Its URLs carry the spec's server; the test's
 * app listens on another port, so global fetch is pointed there for the duration (as DNS or a proxy
 * would), and sees every response.
 */
export async function runJourney(input: JourneyInput): Promise<JourneyResult> {
  const statuses: string[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (resource, init) => {
    const url = String(resource instanceof Request ? resource.url : resource);
    if (!url.startsWith(`${SPEC_SERVER}/`)) throw new Error(`not the spec's server: ${url}`);
    const target = input.baseUrl + url.slice(SPEC_SERVER.length);
    const response = await realFetch(target, init);
    const method = init?.method ?? 'GET';
    statuses.push(`${method} ${response.status}`);
    await input.observe(method, target, response.clone());
    return response;
  };
  try {
    const registered = await register({ email: input.email, password: input.password, full_name: 'Orval' });
    if (registered.status !== 201) fail('register', registered.status, registered.data);

    const signedIn = await login({ email: input.email, password: input.password });
    if (signedIn.status !== 200) fail('login', signedIn.status, signedIn.data);
    const auth = { headers: { Authorization: `Bearer ${signedIn.data.access_token}` } };

    const me = await getCurrentUser(auth);
    const created = await createProject({ name: 'Orval project', description: null }, auth);
    if (created.status !== 201) fail('createProject', created.status, created.data);
    const projectId = created.data.id;

    const put = await updateStripeConfig(
      projectId,
      { test_secret_key: input.testSecretKey, test_publishable_key: input.testPublishableKey },
      auth,
    );
    if (put.status !== 200) fail('updateStripeConfig', put.status, put.data);
    const got = await getStripeConfig(projectId, auth);
    const validated = await validateStripeCredentials(
      projectId,
      { secret_key: input.testSecretKey, is_test_mode: true },
      auth,
    );
    const urls = await getWebhookUrls(projectId, auth);
    const deleted = await deleteStripeConfig(projectId, auth);
    if (deleted.status !== 204) fail('deleteStripeConfig', deleted.status, deleted.data);
    const after = await getStripeConfig(projectId, auth);

    return {
      statuses,
      email: me.status === 200 ? me.data.email : undefined,
      tokenType: signedIn.data.token_type,
      projectId,
      maskedAfterPut: put.data.test_secret_key_masked,
      maskedOnGet: got.status === 200 ? got.data?.test_secret_key_masked : undefined,
      validation: validated.status === 200 ? validated.data : undefined,
      testWebhookUrl: urls.status === 200 ? urls.data.test_webhook_url : undefined,
      activeAfterDelete: after.status === 200 ? after.data?.is_active : undefined,
    };
  } finally {
    globalThis.fetch = realFetch;
  }
}
