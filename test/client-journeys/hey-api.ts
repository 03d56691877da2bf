import { client } from '../generated/hey-api/client.gen';
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
} from '../generated/hey-api';
import { fail, type JourneyInput, type JourneyResult } from './journey';

/** The journey through the SDK @hey-api/openapi-ts generated; only the base URL is configured. */
export async function runJourney(input: JourneyInput): Promise<JourneyResult> {
  const statuses: string[] = [];
  let token = '';
  client.setConfig({ baseUrl: input.baseUrl, auth: () => token });
  client.interceptors.response.use(async (response, request) => {
    statuses.push(`${request.method} ${response.status}`);
    await input.observe(request.method, request.url, response.clone());
    return response;
  });

  const registered = await register({ body: { email: input.email, password: input.password, full_name: 'Hey API' } });
  if (!registered.data) fail('register', registered.response.status, registered.error);

  const signedIn = await login({ body: { email: input.email, password: input.password } });
  if (!signedIn.data) fail('login', signedIn.response.status, signedIn.error);
  token = signedIn.data.access_token;

  const me = await getCurrentUser();
  const created = await createProject({ body: { name: 'Hey API project', description: null } });
  if (!created.data) fail('createProject', created.response.status, created.error);
  const path = { project_id: created.data.id };

  const put = await updateStripeConfig({
    path,
    body: { test_secret_key: input.testSecretKey, test_publishable_key: input.testPublishableKey },
  });
  if (!put.data) fail('updateStripeConfig', put.response.status, put.error);
  const got = await getStripeConfig({ path });
  const validated = await validateStripeCredentials({
    path,
    body: { secret_key: input.testSecretKey, is_test_mode: true },
  });
  const urls = await getWebhookUrls({ path });
  const deleted = await deleteStripeConfig({ path });
  if (deleted.error !== undefined) fail('deleteStripeConfig', deleted.response.status, deleted.error);
  const after = await getStripeConfig({ path });

  return {
    statuses,
    email: me.data?.email,
    tokenType: signedIn.data.token_type,
    projectId: created.data.id,
    maskedAfterPut: put.data.test_secret_key_masked,
    maskedOnGet: got.data?.test_secret_key_masked,
    validation: validated.data,
    testWebhookUrl: urls.data?.test_webhook_url,
    activeAfterDelete: after.data?.is_active,
  };
}
