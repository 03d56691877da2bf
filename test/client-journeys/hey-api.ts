import * as sdk from '../generated/hey-api';
import { client } from '../generated/hey-api/client.gen';
import { type Answer, contentTypeOf, type JourneyInput, type JourneyResult, runJourneyWith } from './journey';

/** A hey-api result (`data` or `error`, with the response) as the journey's answer. */
async function answer<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<Answer<T>> {
  const { data, error, response } = await call;
  return { status: response.status, data, error };
}

/** The journey through the SDK @hey-api/openapi-ts generated; only the base URL is configured. */
export async function runJourney(input: JourneyInput): Promise<JourneyResult> {
  const statuses: string[] = [];
  let token = '';
  client.setConfig({ baseUrl: input.baseUrl, auth: () => token });
  client.interceptors.response.use(async (response, request) => {
    statuses.push(`${request.method} ${response.status}`);
    await input.observe(request.method, request.url, response.clone(), contentTypeOf(request));
    return response;
  });
  return runJourneyWith(
    {
      statuses,
      useToken: (issued) => void (token = issued),
      register: (body) => answer(sdk.register({ body })),
      login: (body) => answer(sdk.login({ body })),
      getCurrentUser: () => answer(sdk.getCurrentUser()),
      createProject: (body) => answer(sdk.createProject({ body })),
      updateStripeConfig: (project_id, body, ifMatch) =>
        answer(sdk.updateStripeConfig({ path: { project_id }, body, headers: ifMatch ? { 'If-Match': ifMatch } : {} })),
      getStripeConfig: (project_id) => answer(sdk.getStripeConfig({ path: { project_id } })),
      validateStripeCredentials: (project_id, body) =>
        answer(sdk.validateStripeCredentials({ path: { project_id }, body })),
      getWebhookUrls: (project_id) => answer(sdk.getWebhookUrls({ path: { project_id } })),
      createWebhookEndpoint: (project_id, body) => answer(sdk.createWebhookEndpoint({ path: { project_id }, body })),
      listWebhookEvents: (project_id, query) => answer(sdk.listWebhookEvents({ path: { project_id }, query })),
      getWebhookEvent: (project_id, webhook_event_id) =>
        answer(sdk.getWebhookEvent({ path: { project_id, webhook_event_id } })),
      deleteStripeConfig: (project_id, ifMatch) =>
        answer(sdk.deleteStripeConfig({ path: { project_id }, headers: ifMatch ? { 'If-Match': ifMatch } : {} })),
      listProjectSubscriptions: (project_id) => answer(sdk.listProjectSubscriptions({ path: { project_id } })),
      listProjectPayments: (project_id) => answer(sdk.listProjectPayments({ path: { project_id } })),
      listAllSubscriptions: (query) => answer(sdk.listAllSubscriptions({ query })),
      listAllTransactions: (query) => answer(sdk.listAllTransactions({ query })),
      listProjectsPaymentConfig: () => answer(sdk.listProjectsPaymentConfig()),
      getPaymentStats: () => answer(sdk.getPaymentStats()),
    },
    input,
    'Hey API',
  );
}
