import { randomBytes } from 'node:crypto';
import { fakeKey, registerDeveloper } from './helpers/fixtures';
import { LogCapture } from './helpers/log-capture';
import { createTestApp, TestApp } from './helpers/test-app';

/**
 * Credentials in a URL's query string (a token given as `?access_token=`, `?api_key=`, a Stripe key
 * or a JWT under any name) never reach the request log; the rest of the URL does.
 * A file of its own: the first app of a jest file decides where logs go (see createTestApp).
 */
describe('Request log: credentials in the query string (e2e)', () => {
  const logs = new LogCapture();
  let t: TestApp;

  beforeAll(async () => (t = await createTestApp({ logDestination: logs })));
  afterAll(() => t?.close());

  it('redacts token/key/secret/password/signature parameters, JWTs and Stripe keys; keeps the rest', async () => {
    const dev = await registerDeveloper(t);
    const canaries = {
      apiKey: randomBytes(12).toString('hex'),
      secret: randomBytes(12).toString('hex'),
      password: randomBytes(12).toString('hex'),
      signature: randomBytes(12).toString('hex'),
      stripe: fakeKey('sk_live_'),
    };
    await t.http().get(`/api/v1/auth/me?access_token=${dev.token}`).set(dev.auth).expect(200);
    await t
      .http()
      .get(
        `/api/v1/projects/?api_key=${canaries.apiKey}&Client_Secret=${canaries.secret}&password=${canaries.password}` +
          `&signature=${canaries.signature}&q=${encodeURIComponent(dev.token)}&stripe=${canaries.stripe}&page=1`,
      )
      .set(dev.auth);
    // Logs are written asynchronously.
    await new Promise((r) => setTimeout(r, 200));

    const text = logs.text();
    expect(text).not.toContain(dev.token);
    // The token's signature alone (its last part) would be enough to recognise it.
    expect(text).not.toContain(dev.token.split('.')[2]);
    for (const canary of Object.values(canaries)) expect(text).not.toContain(canary);
    const urls = logs
      .entries()
      .map((entry) => (entry.req as { url?: string } | undefined)?.url)
      .filter((url): url is string => typeof url === 'string');
    expect(urls).toContain('/api/v1/auth/me?access_token=[Redacted]');
    expect(urls.find((url) => url.startsWith('/api/v1/projects/?'))).toBe(
      '/api/v1/projects/?api_key=[Redacted]&Client_Secret=[Redacted]&password=[Redacted]&signature=[Redacted]' +
        `&q=[Redacted]&stripe=sk_live_...${canaries.stripe.slice(-4)}&page=1`,
    );
  });
});
