import { ChildProcess } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { FakeStripe } from './helpers/fake-stripe';
import { fakeKey } from './helpers/fixtures';
import { freePort } from '../src/common/free-port';
import { spawnService } from './helpers/service-process';
import { createTestDatabase } from './helpers/test-app';

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
    database = await createTestDatabase({ migrated: true });
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await stripe.stop();
    await database.drop();
  });

  it('finishes the in-flight request, refuses new connections, closes the pool and exits 0', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    child = spawnService({
      env: { DATABASE_URL: database.url, PORT: String(port), STRIPE_API_BASE: stripe.url, LOG_LEVEL: 'info' },
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child!.once('exit', (code, signal) => resolve({ code, signal })),
    );

    /** Resolves when the service's output contains `text`; fails if it exits first. */
    const outputContains = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (output.includes(text)) done(resolve);
        };
        const exit = () => done(() => reject(new Error(`service exited before "${text}":\n${output}`)));
        const done = (settle: () => void) => {
          child!.stdout!.off('data', check);
          child!.stderr!.off('data', check);
          child!.off('exit', exit);
          settle();
        };
        child!.stdout!.on('data', check);
        child!.stderr!.on('data', check);
        child!.once('exit', exit);
        check();
      });
    await outputContains('Listening on');

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

    // Stripe answers only when the test says so: the request is still in flight when SIGTERM arrives.
    const key = fakeKey('sk_test_');
    stripe.validKeys.add(key);
    let answerStripe = () => undefined as void;
    stripe.use((req, res) => {
      if (!req.path.startsWith('/v1/balance')) return false;
      answerStripe = () => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ object: 'balance', available: [], pending: [], livemode: false }));
      };
      return true;
    });
    const inFlight = fetch(`${base}/api/v1/payments/stripe/projects/${projectId}/validate-credentials`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ secret_key: key }),
    });
    while (stripe.requests.length === 0) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGTERM');
    // The service logs this line right before it stops listening (same tick): wait for it, not for a guess.
    await outputContains('SIGTERM received: draining in-flight requests');

    // New connections are refused while the in-flight request is still being served (a new connection:
    // fetch could pick a kept-alive one the server is closing). A connection that reached the kernel's
    // backlog in the instant between that log line and the close is reset, never served: try again.
    const connect = () =>
      new Promise<string>((resolve) =>
        httpGet(`${base}/api/v1/health`, { agent: false }, (res) => {
          res.resume();
          resolve(`answered ${res.statusCode}`);
        }).on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message)),
      );
    let refused = await connect();
    for (let attempt = 0; refused === 'ECONNRESET' && attempt < 5; attempt += 1) refused = await connect();
    expect(refused).toBe('ECONNREFUSED');
    expect(child.exitCode).toBeNull();
    answerStripe();

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ valid: true, message: 'Stripe credentials are valid' });

    expect(await exited).toEqual({ code: 0, signal: null });
    expect(output).toContain('SIGTERM received: draining in-flight requests');
    expect(output).toContain('HTTP server and database pool closed; exiting');
  }, 120_000);
});
