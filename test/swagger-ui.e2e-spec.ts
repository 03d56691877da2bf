import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { launchHeadlessBrowser, type HeadlessBrowser } from './helpers/browser';
import { FakeStripe } from './helpers/fake-stripe';
import { createProject, type Developer, fakeKey, registerDeveloper } from './helpers/fixtures';
import { COMMITTED_SPEC_PATH } from './helpers/openapi-validator';
import { startAppWithFakeStripe, TestApp } from './helpers/test-app';

type JsonObject = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

jest.setTimeout(180_000);

describe('Swagger UI in a real browser', () => {
  let t: TestApp;
  let browser: HeadlessBrowser;
  let page: Page;
  let stripe: FakeStripe;

  beforeAll(async () => {
    // Stripe reachable (the fake): an example that did reach Stripe would show up in its requests.
    ({ t, stripe } = await startAppWithFakeStripe({ listen: true }));
    browser = await launchHeadlessBrowser(t.url);
    page = await browser.context.newPage();
    page.setDefaultTimeout(30_000);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** Authorize: the OAuth2 password form posts username/password to the login endpoint (tokenUrl). */
  async function authorize(dev: Developer): Promise<string> {
    await page.locator('.auth-wrapper button.authorize').click();
    const oauth = page.locator('.auth-container').filter({ hasText: 'OAuth2PasswordBearer' });
    const dialogText = await oauth.innerText();
    await oauth.locator('#oauth_username').fill(dev.email);
    await oauth.locator('#oauth_password').fill(dev.password);
    await oauth.getByRole('button', { name: 'Apply given OAuth2 credentials' }).click();
    // Swagger UI swaps the button for "Logout" once the token endpoint answered with an access token.
    await oauth.getByRole('button', { name: 'Remove authorization' }).waitFor();
    expect(await oauth.locator('.errors').count()).toBe(0);
    await page.locator('.dialog-ux button.close-modal').first().click();
    return dialogText;
  }

  it('signs in through Authorize (OAuth2 password flow) and runs "Update Stripe Configuration"', async () => {
    const dev = await registerDeveloper(t);
    const projectId = await createProject(t, dev, 'Browser project');
    const secret = fakeKey('sk_test_');

    await page.goto(`${t.url}/docs`);
    await page.getByRole('heading', { name: /Stripe Configuration Service/ }).waitFor();

    await authorize(dev);

    const operation = page.locator('#operations-Stripe_Configuration-updateStripeConfig');
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    await operation.locator('input[placeholder="project_id"]').fill(projectId);
    await operation.locator('textarea.body-param__text').fill(JSON.stringify({ test_secret_key: secret }));
    await operation.getByRole('button', { name: 'Execute' }).click();

    // The "Server response" table: status and body of the request the browser just sent.
    const live = operation.locator('.live-responses-table tbody tr.response');
    await live.waitFor();
    expect((await live.locator('.response-col_status').innerText()).trim()).toBe('200');
    const body = await live.locator('.response-col_description .highlight-code pre').first().innerText();
    expect(JSON.parse(body)).toMatchObject({
      project_id: projectId,
      is_active: true,
      has_test_credentials: true,
      test_secret_key_masked: `sk_test_...${secret.slice(-4)}`,
    });
    expect(body).not.toContain(secret);

    // The server really stored it for this developer (not a page artefact).
    const stored = await t.http().get(`/api/v1/payments/stripe/projects/${projectId}/config`).set(dev.auth).expect(200);
    expect(stored.body.test_secret_key_masked).toBe(`sk_test_...${secret.slice(-4)}`);
  });

  it('takes a pasted token in Authorize (HTTPBearer) and sends it: "Get Current User" answers for that developer', async () => {
    const dev = await registerDeveloper(t);
    page = await browser.context.newPage();
    page.setDefaultTimeout(30_000);
    await page.addInitScript('window.localStorage.clear()');
    await page.goto(`${t.url}/docs`);
    await page.getByRole('heading', { name: /Stripe Configuration Service/ }).waitFor();

    await page.locator('.auth-wrapper button.authorize').click();
    const bearer = page.locator('.auth-container').filter({ hasText: 'HTTPBearer' });
    expect(await bearer.innerText()).toContain('Paste a token');
    await bearer.locator('input').fill(dev.token);
    await bearer.getByRole('button', { name: 'Apply credentials' }).click();
    await bearer.getByRole('button', { name: 'Remove authorization' }).waitFor();
    await page.locator('.dialog-ux button.close-modal').first().click();

    const operation = page.locator('#operations-Authentication-getCurrentUser');
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    await operation.getByRole('button', { name: 'Execute' }).click();
    const live = operation.locator('.live-responses-table tbody tr.response');
    await live.waitFor();
    expect((await live.locator('.response-col_status').innerText()).trim()).toBe('200');
    const body = await live.locator('.response-col_description .highlight-code pre').first().innerText();
    expect(JSON.parse(body)).toMatchObject({ id: dev.id, email: dev.email });
    // The curl line Swagger UI shows carries the pasted token as the bearer.
    expect(await operation.locator('.curl-command').innerText()).toContain(`Authorization: Bearer ${dev.token}`);
  });

  it('executes the pre-filled example of every operation safely: no 5xx, nothing live stored, nothing sent to Stripe', async () => {
    const spec = JSON.parse(readFileSync(COMMITTED_SPEC_PATH, 'utf8')) as JsonObject;
    const dev = await registerDeveloper(t);
    const projectId = await createProject(t, dev, 'Examples project');
    stripe.reset();

    page = await browser.context.newPage();
    page.setDefaultTimeout(30_000);
    // persistAuthorization kept the first test's token in localStorage: sign in afresh as this developer.
    await page.addInitScript('window.localStorage.clear()');
    await page.goto(`${t.url}/docs`);
    await page.getByRole('heading', { name: /Stripe Configuration Service/ }).waitFor();
    const dialog = await authorize(dev);
    // The dialog says what to type, and no scope boilerplate.
    expect(dialog).toContain("username is the account's email");
    expect(dialog).not.toMatch(/scopes/i);

    const executed: string[] = [];
    for (const [path, item] of Object.entries(spec.paths as JsonObject)) {
      for (const [method, op] of Object.entries(item as JsonObject)) {
        const id = `#operations-${(op.tags[0] as string).replace(/ /g, '_')}-${op.operationId as string}`;
        const operation = page.locator(id);
        await operation.locator('.opblock-summary').click();
        await operation.getByRole('button', { name: 'Try it out' }).click();
        // Only what Swagger UI cannot pre-fill is typed in: which project, and the mode of the webhook URL.
        if (path.includes('{project_id}')) await operation.locator('input[placeholder="project_id"]').fill(projectId);
        if (path.includes('{mode}')) await operation.locator('select').first().selectOption('test');
        if (op.requestBody) {
          const body = await operation.locator('textarea.body-param__text').inputValue();
          expect({ id, body: JSON.parse(body) }).toEqual({
            id,
            body: op.requestBody.content['application/json'].examples.example.value,
          });
        }
        await operation.getByRole('button', { name: 'Execute' }).click();
        const live = operation.locator('.live-responses-table tbody tr.response');
        await live.waitFor();
        const status = Number((await live.locator('.response-col_status').innerText()).trim());
        executed.push(`${method.toUpperCase()} ${path} ${status}`);
        expect({ id, status: status > 0 && status < 500 }).toEqual({ id, status: true });
        await operation.locator('.opblock-summary').click();
      }
    }
    expect(executed.length).toBe(Object.values(spec.paths as JsonObject).flatMap((i) => Object.keys(i)).length);
    // The PUT example stored test-mode example keys only; nothing live, and Stripe was never called.
    const rows = await t.db.query(
      `SELECT live_secret_key_encrypted, live_publishable_key_encrypted, live_webhook_secret_encrypted FROM stripe_configs`,
    );
    expect(rows.rows.length).toBeGreaterThan(0);
    for (const row of rows.rows) expect(Object.values(row)).toEqual([null, null, null]);
    expect(stripe.requests).toEqual([]);
    expect(executed).toEqual(expect.arrayContaining(['PUT /api/v1/payments/stripe/projects/{project_id}/config 200']));
  });
});
