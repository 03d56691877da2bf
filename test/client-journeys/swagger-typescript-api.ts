import { Api, type HttpResponse } from '../generated/swagger-typescript-api/api';
import { type Answer, contentTypeOf, type JourneyInput, type JourneyResult, runJourneyWith } from './journey';

/**
 * A swagger-typescript-api call as the journey's answer: the client resolves with the response
 * (`data`) on 2xx and rejects with it (`error`, the parsed body) otherwise.
 */
async function answer<T, E>(call: Promise<HttpResponse<T, E>>): Promise<Answer<T>> {
  try {
    const response = await call;
    return { status: response.status, data: response.data };
  } catch (failure) {
    const response = failure as HttpResponse<T, E>;
    if (typeof response?.status !== 'number') throw failure;
    return { status: response.status, error: response.error };
  }
}

/**
 * The journey through the fetch client swagger-typescript-api generated (`Api`): the base URL, the
 * token through its securityWorker (operations marked secure), and a customFetch that sees responses.
 */
export async function runJourney(input: JourneyInput): Promise<JourneyResult> {
  const statuses: string[] = [];
  const api = new Api<string>({
    baseUrl: input.baseUrl,
    securityWorker: (token) => (token ? { headers: { Authorization: `Bearer ${token}` } } : {}),
    customFetch: async (resource, init) => {
      const response = await fetch(resource, init);
      const method = init?.method ?? 'GET';
      statuses.push(`${method} ${response.status}`);
      await input.observe(method, String(resource), response.clone(), contentTypeOf(init));
      return response;
    },
  });
  const ifMatch = (tag?: string) => (tag ? { headers: { 'If-Match': tag } } : {});
  const v1 = api.api;
  return runJourneyWith(
    {
      statuses,
      useToken: (token) => api.setSecurityData(token),
      register: (body) => answer(v1.register(body)),
      login: (body) => answer(v1.login(body)),
      getCurrentUser: () => answer(v1.getCurrentUser()),
      createProject: (body) => answer(v1.createProject(body)),
      updateStripeConfig: (projectId, body, tag) => answer(v1.updateStripeConfig(projectId, body, ifMatch(tag))),
      getStripeConfig: (projectId) => answer(v1.getStripeConfig(projectId)),
      validateStripeCredentials: (projectId, body) => answer(v1.validateStripeCredentials(projectId, body)),
      getWebhookUrls: (projectId) => answer(v1.getWebhookUrls(projectId)),
      createWebhookEndpoint: (projectId, body) => answer(v1.createWebhookEndpoint(projectId, body)),
      listWebhookEvents: (projectId, query) => answer(v1.listWebhookEvents(projectId, query)),
      getWebhookEvent: (projectId, eventId) => answer(v1.getWebhookEvent(projectId, eventId)),
      deleteStripeConfig: (projectId, tag) => answer(v1.deleteStripeConfig(projectId, ifMatch(tag))),
      listProjectSubscriptions: (projectId) => answer(v1.listProjectSubscriptions(projectId)),
      listProjectPayments: (projectId) => answer(v1.listProjectPayments(projectId)),
      listAllSubscriptions: (query) => answer(v1.listAllSubscriptions(query)),
      listAllTransactions: (query) => answer(v1.listAllTransactions(query)),
      listProjectsPaymentConfig: () => answer(v1.listProjectsPaymentConfig()),
      getPaymentStats: () => answer(v1.getPaymentStats()),
    },
    input,
    'swagger-typescript-api',
  );
}
