import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeStripe } from './helpers/fake-stripe';
import { fakeKey } from './helpers/fixtures';
import { freePort } from '../src/common/net/free-port';
import { createTestDatabase, testEncryptionKey } from './helpers/test-app';

/**
 * The real entry point (src/main.ts) in a child process: SIGTERM must stop new connections, let the
 * in-flight request finish, close the database pool and exit 0.
 */
describe('Graceful shutdown on SIGTERM (e2e, src/main.ts in a child process)', () => {
  let stripe: FakeStripe;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let child: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    stripe = new FakeStripe();
    await stripe.start();
    database = await createTestDatabase();
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await stripe.stop();
    await database.drop();
  });

  it('finishes the in-flight request, refuses new connections, closes the pool and exits 0', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
      cwd: process.cwd(),
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        TS_NODE_PROJECT: 'tsconfig.json',
        DATABASE_URL: database.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        JWT_SECRET: randomBytes(32).toString('base64url'),
        ENCRYPTION_KEYS: testEncryptionKey(),
        DATA_DIR: mkdtempSync(join(tmpdir(), 'scs-shutdown-')),
        STRIPE_API_BASE: stripe.url,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child!.once('exit', (code, signal) => resolve({ code, signal })),
    );

    const deadline = Date.now() + 90_000;
    while (!output.includes('Listening on')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`service did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const register = await fetch(`${base}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: `sigterm-${Date.now()}@example.com`, password: 'correct-horse-battery' }),
    });
    expect(register.status).toBe(201);
    const token = ((await register.json()) as { access_token: string }).access_token;
    const auth = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const project = await fetch(`${base}/api/v1/projects/`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'sigterm' }),
    });
    const projectId = ((await project.json()) as { id: string }).id;

    // Stripe answers slowly: the request is still in flight when SIGTERM arrives.
    const key = fakeKey('sk_test_');
    stripe.validKeys.add(key);
    stripe.use((req, res) => {
      if (!req.path.startsWith('/v1/balance')) return false;
      setTimeout(() => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ object: 'balance', available: [], pending: [], livemode: false }));
      }, 1500);
      return true;
    });
    const inFlight = fetch(`${base}/api/v1/payments/stripe/projects/${projectId}/validate-credentials`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ secret_key: key }),
    });
    while (stripe.requests.length === 0) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));

    // New connections are refused while the in-flight request is still being served.
    const refused = await fetch(`${base}/api/v1/health`).then(
      (res) => `answered ${res.status}`,
      (error: Error & { cause?: { code?: string } }) => error.cause?.code ?? error.message,
    );
    expect(refused).toBe('ECONNREFUSED');

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ valid: true, message: 'Stripe credentials are valid' });

    expect(await exited).toEqual({ code: 0, signal: null });
    expect(output).toContain('SIGTERM received: draining in-flight requests');
    expect(output).toContain('HTTP server and database pool closed; exiting');
  }, 120_000);
});
