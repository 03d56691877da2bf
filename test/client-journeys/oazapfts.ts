import * as oa from '../generated/oazapfts/api';
import { type Answer, contentTypeOf, type JourneyInput, type JourneyResult, runJourneyWith } from './journey';

/** An oazapfts result (one `{status, data}` per documented status) as the journey's answer. */
async function answer<R extends { status: number; data?: unknown }, S extends R['status']>(
  call: Promise<R>,
  success: S,
): Promise<Answer<Extract<R, { status: S }>['data']>> {
  const res = await call;
  return res.status === success
    ? { status: res.status, data: res.data as Extract<R, { status: S }>['data'] }
    : { status: res.status, error: res.data };
}

/**
 * The journey through the functions oazapfts generated: `defaults` carries the base URL, the bearer
 * token and a fetch that sees every response; header parameters (If-Match) are named arguments.
 */
export async function runJourney(input: JourneyInput): Promise<JourneyResult> {
  const statuses: string[] = [];
  oa.defaults.baseUrl = input.baseUrl;
  oa.defaults.headers = {};
  oa.defaults.fetch = async (resource, init) => {
    const response = await fetch(resource, init);
    const method = init?.method ?? 'GET';
    statuses.push(`${method} ${response.status}`);
    await input.observe(method, String(resource), response.clone(), contentTypeOf(init));
    return response;
  };
  return runJourneyWith(
    {
      statuses,
      useToken: (token) => void (oa.defaults.headers = { Authorization: `Bearer ${token}` }),
      register: (body) => answer(oa.register(body), 201),
      login: (body) => answer(oa.login(body), 200),
      getCurrentUser: () => answer(oa.getCurrentUser(), 200),
      createProject: (body) => answer(oa.createProject(body), 201),
      updateStripeConfig: (projectId, body, ifMatch) =>
        answer(oa.updateStripeConfig(projectId, body, { ifMatch }), 200),
      getStripeConfig: (projectId) => answer(oa.getStripeConfig(projectId), 200),
      validateStripeCredentials: (projectId, body) => answer(oa.validateStripeCredentials(projectId, body), 200),
      getWebhookUrls: (projectId) => answer(oa.getWebhookUrls(projectId), 200),
      createWebhookEndpoint: (projectId, body) => answer(oa.createWebhookEndpoint(projectId, body), 201),
      listWebhookEvents: (projectId, query) => answer(oa.listWebhookEvents(projectId, query), 200),
      getWebhookEvent: (projectId, eventId) => answer(oa.getWebhookEvent(projectId, eventId), 200),
      deleteStripeConfig: (projectId, ifMatch) => answer(oa.deleteStripeConfig(projectId, { ifMatch }), 204),
      listProjectSubscriptions: (projectId) => answer(oa.listProjectSubscriptions(projectId), 200),
      listProjectPayments: (projectId) => answer(oa.listProjectPayments(projectId), 200),
      listAllSubscriptions: ({ project_id, status }) =>
        answer(oa.listAllSubscriptions({ projectId: project_id, status }), 200),
      listAllTransactions: ({ project_id, test_mode }) =>
        answer(oa.listAllTransactions({ projectId: project_id, testMode: test_mode }), 200),
      listProjectsPaymentConfig: () => answer(oa.listProjectsPaymentConfig(), 200),
      getPaymentStats: () => answer(oa.getPaymentStats(), 200),
    },
    input,
    'oazapfts',
  );
}
