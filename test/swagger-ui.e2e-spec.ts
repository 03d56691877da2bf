import type { Page } from 'playwright-core';
import { launchHeadlessBrowser, type HeadlessBrowser } from './helpers/browser';
import { createProject, fakeKey, registerDeveloper } from './helpers/fixtures';
import { createTestApp, TestApp } from './helpers/test-app';

jest.setTimeout(180_000);

describe('Swagger UI in a real browser', () => {
  let t: TestApp;
  let browser: HeadlessBrowser;
  let page: Page;

  beforeAll(async () => {
    t = await createTestApp({ listen: true });
    browser = await launchHeadlessBrowser(t.url);
    page = await browser.context.newPage();
    page.setDefaultTimeout(30_000);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('signs in through Authorize (OAuth2 password flow) and runs "Update Stripe Configuration"', async () => {
    const dev = await registerDeveloper(t);
    const projectId = await createProject(t, dev, 'Browser project');
    const secret = fakeKey('sk_test_');

    await page.goto(`${t.url}/docs`);
    await page.getByRole('heading', { name: /Stripe Configuration Service/ }).waitFor();

    // Authorize: the OAuth2 password form posts username/password to the login endpoint (tokenUrl).
    await page.locator('.auth-wrapper button.authorize').click();
    const oauth = page.locator('.auth-container').filter({ hasText: 'OAuth2PasswordBearer' });
    await oauth.locator('#oauth_username').fill(dev.email);
    await oauth.locator('#oauth_password').fill(dev.password);
    await oauth.getByRole('button', { name: 'Apply given OAuth2 credentials' }).click();
    // Swagger UI swaps the button for "Logout" once the token endpoint answered with an access token.
    await oauth.getByRole('button', { name: 'Remove authorization' }).waitFor();
    expect(await oauth.locator('.errors').count()).toBe(0);
    await page.locator('.dialog-ux button.close-modal').first().click();

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
});
