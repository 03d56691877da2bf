import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { freePort } from '../src/common/free-port';
import {
  createProject,
  putConfig,
  registerDeveloper,
  setupWebhookEndpoint,
  validateCredentials,
} from './helpers/fixtures';
import { createTestApp, TestApp } from './helpers/test-app';

jest.setTimeout(120_000);

/** The README's offline walk-through: `npm run stripe:local`, then the service with STRIPE_API_BASE pointing at it. */
describe('npm run stripe:local', () => {
  let child: ChildProcess;
  let t: TestApp;
  let output = '';

  beforeAll(async () => {
    const port = await freePort();
    child = spawn(
      process.execPath,
      [join(__dirname, '..', 'node_modules', '.bin', 'ts-node'), '--transpile-only', 'scripts/stripe-local/index.ts'],
      {
        cwd: join(__dirname, '..'),
        // ts-node transpiles with swc (test/tsconfig.spawn.json), as for the service in a child process.
        env: { ...process.env, PORT: String(port), TS_NODE_PROJECT: 'test/tsconfig.spawn.json' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    while (!output.includes('Local Stripe on')) await once(child.stdout!, 'data');
    t = await createTestApp({ env: { STRIPE_API_BASE: `http://127.0.0.1:${port}` } });
  });
  afterAll(async () => {
    await t?.close();
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('answers validate-credentials and the one-call webhook setup like Stripe, offline; logs keys masked only', async () => {
    const dev = await registerDeveloper(t);
    const projectId = await createProject(t, dev);
    const key = 'sk_test_LOCALdemo12345678';
    const valid = await validateCredentials(t, dev, projectId, { secret_key: key }).expect(200);
    expect(valid.body).toEqual({ valid: true, message: 'Stripe credentials are valid' });
    const invalid = await validateCredentials(t, dev, projectId, { secret_key: 'sk_test_invalidKey1234' }).expect(200);
    expect(invalid.body.valid).toBe(false);

    await putConfig(t, dev, projectId, { test_secret_key: key }).expect(200);
    const endpoint = await setupWebhookEndpoint(t, dev, projectId).expect(201);
    expect(endpoint.body).toMatchObject({
      id: expect.stringMatching(/^we_/),
      mode: 'test',
      webhook_secret_masked: expect.stringMatching(/^whsec_\.\.\./),
    });
    expect(output).toContain('GET /v1/balance sk_test_...5678');
    expect(output).not.toContain(key);
  });
});
