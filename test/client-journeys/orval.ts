import * as api from '../generated/orval/api';
import { type Answer, contentTypeOf, type JourneyInput, type JourneyResult, runJourneyWith } from './journey';

/** The server the committed spec names, which orval wrote into every URL (getBaseUrlFromSpecification). */
const SPEC_SERVER = 'http://127.0.0.1:3000';

/** An orval result (one type per status) as the journey's answer: the body of the `success` status only. */
async function answer<R extends { status: number; data: unknown }, S extends R['status']>(
  call: Promise<R>,
  success: S,
): Promise<Answer<Extract<R, { status: S }>['data']>> {
  const res = await call;
  return res.status === success
    ? { status: res.status, data: res.data as Extract<R, { status: S }>['data'] }
    : { status: res.status, error: res.data };
}

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
    await input.observe(method, target, response.clone(), contentTypeOf(init));
    return response;
  };
  let token = '';
  const auth = (ifMatch?: string) => ({
    headers: { Authorization: `Bearer ${token}`, ...(ifMatch ? { 'If-Match': ifMatch } : {}) },
  });
  try {
    return await runJourneyWith(
      {
        statuses,
        useToken: (issued) => void (token = issued),
        register: (body) => answer(api.register(body), 201),
        login: (body) => answer(api.login(body), 200),
        getCurrentUser: () => answer(api.getCurrentUser(auth()), 200),
        createProject: (body) => answer(api.createProject(body, auth()), 201),
        updateStripeConfig: (projectId, body, ifMatch) =>
          answer(api.updateStripeConfig(projectId, body, auth(ifMatch)), 200),
        getStripeConfig: (projectId) => answer(api.getStripeConfig(projectId, auth()), 200),
        validateStripeCredentials: (projectId, body) =>
          answer(api.validateStripeCredentials(projectId, body, auth()), 200),
        getWebhookUrls: (projectId) => answer(api.getWebhookUrls(projectId, auth()), 200),
        createWebhookEndpoint: (projectId, body) => answer(api.createWebhookEndpoint(projectId, body, auth()), 201),
        listWebhookEvents: (projectId, params) => answer(api.listWebhookEvents(projectId, params, auth()), 200),
        getWebhookEvent: (projectId, eventId) => answer(api.getWebhookEvent(projectId, eventId, auth()), 200),
        deleteStripeConfig: (projectId, ifMatch) => answer(api.deleteStripeConfig(projectId, auth(ifMatch)), 204),
        listProjectSubscriptions: (projectId) => answer(api.listProjectSubscriptions(projectId, {}, auth()), 200),
        listProjectPayments: (projectId) => answer(api.listProjectPayments(projectId, {}, auth()), 200),
        listAllSubscriptions: (params) => answer(api.listAllSubscriptions(params, auth()), 200),
        listAllTransactions: (params) => answer(api.listAllTransactions(params, auth()), 200),
        listProjectsPaymentConfig: () => answer(api.listProjectsPaymentConfig(auth()), 200),
        getPaymentStats: () => answer(api.getPaymentStats({}, auth()), 200),
      },
      input,
      'Orval',
    );
  } finally {
    globalThis.fetch = realFetch;
  }
}
