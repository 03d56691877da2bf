import { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import Stripe from 'stripe';
import { freePort } from '../src/common/free-port';
import { FakeStripe } from './helpers/fake-stripe';
import { fakeKey } from './helpers/fixtures';
import { RestartablePostgres } from './helpers/restartable-postgres';
import { spawnService } from './helpers/service-process';

interface Outcome {
  tenant: number;
  kind: 'read' | 'write';
  status: number | 'transport error';
  retryAfter: string | null;
  eventId?: string;
  error?: string;
}

interface Tenant {
  token: string;
  projectId: string;
  secret: string;
}

const RESTARTS = 3;

/**
 * The service in a child process, started as `npm run start:prod` starts it, against a PostgreSQL of
 * this test's own that is restarted (fast shutdown: every connection terminated, as `pg_ctl restart
 * -m fast` does) several times in a row under load. An unhandled 'error' of any pg connection would
 * end the process; every request must instead be answered 200 or 503 with Retry-After, and every
 * delivery acknowledged with 200 must be stored.
 */
describe('PostgreSQL restarts under load (e2e, src/main.ts in a child process, dedicated PostgreSQL)', () => {
  let pg: RestartablePostgres | undefined;
  let stripe: FakeStripe;
  let child: ChildProcess | undefined;
  let output = '';
  let base = '';

  beforeAll(async () => {
    stripe = new FakeStripe();
    await stripe.start();
    pg = await RestartablePostgres.create('restarts');
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await stripe?.stop();
    await pg?.destroy();
  }, 60_000);

  const call = async (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });

  const json = async (
    path: string,
    method: string,
    body: unknown,
    token?: string,
  ): Promise<Record<string, unknown>> => {
    const res = await call(path, {
      method,
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };

  const newTenant = async (): Promise<Tenant> => {
    const email = `restart-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`;
    const { access_token: token } = await json('/api/v1/auth/register', 'POST', {
      email,
      password: 'correct-horse-battery',
    });
    const { id: projectId } = await json('/api/v1/projects/', 'POST', { name: 'restarts' }, token as string);
    const secret = fakeKey('whsec_', 32);
    await json(
      `/api/v1/payments/stripe/projects/${projectId as string}/config`,
      'PUT',
      { test_webhook_secret: secret },
      token as string,
    );
    return { token: token as string, projectId: projectId as string, secret };
  };

  const outcome = async (
    tenant: number,
    kind: Outcome['kind'],
    send: () => Promise<Response>,
    eventId?: string,
  ): Promise<Outcome> => {
    try {
      const res = await send();
      await res.arrayBuffer();
      return { tenant, kind, status: res.status, retryAfter: res.headers.get('retry-after'), eventId };
    } catch (error) {
      return { tenant, kind, status: 'transport error', retryAfter: null, eventId, error: String(error) };
    }
  };

  it('stays up through three restarts: 200 or 503 with Retry-After, every acknowledged delivery stored', async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawnService({
      // The flags of `npm run start:prod`.
      nodeArgs: ['--no-maglev', '--max-semi-space-size=8', '--max-old-space-size=160'],
      env: {
        DATABASE_URL: pg!.url('restarts'),
        PORT: String(port),
        STRIPE_API_BASE: stripe.url,
        LOG_LEVEL: 'warn',
        HEALTH_CHECK_INTERVAL: 'off',
        // Short deadlines: a request that meets the restart answers 503 quickly instead of waiting.
        DATABASE_CONNECT_TIMEOUT_MS: '1000',
        DATABASE_POOL_ACQUIRE_TIMEOUT_MS: '2000',
      },
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    child.once('exit', (code, signal) => (exit = { code, signal }));
    const started = Date.now();
    let listening = false;
    while (!listening && !exit && Date.now() - started < 60_000) {
      listening = await call('/api/v1/health').then(
        (res) => res.ok,
        () => false,
      );
      if (!listening) await new Promise((r) => setTimeout(r, 100));
    }
    expect({ exit, listening, output: exit ? output : '' }).toEqual({ exit: undefined, listening: true, output: '' });

    const tenants = [await newTenant(), await newTenant()];
    const outcomes: Outcome[] = [];
    let stop = false;

    const reader = async (i: number) => {
      const { token, projectId } = tenants[i];
      while (!stop) {
        outcomes.push(
          await outcome(i, 'read', () =>
            call(`/api/v1/payments/stripe/projects/${projectId}/config`, {
              headers: { Authorization: `Bearer ${token}` },
            }),
          ),
        );
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const writer = async (i: number) => {
      const { projectId, secret } = tenants[i];
      while (!stop) {
        const eventId = `evt_${randomBytes(8).toString('hex')}`;
        const payload = JSON.stringify({
          id: eventId,
          object: 'event',
          type: 'invoice.paid',
          created: Math.floor(Date.now() / 1000),
          livemode: false,
          data: { object: {} },
        });
        const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret });
        outcomes.push(
          await outcome(
            i,
            'write',
            () =>
              call(`/api/v1/payments/stripe/webhooks/${projectId}/test`, {
                method: 'POST',
                headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
                body: payload,
              }),
            eventId,
          ),
        );
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const load = [reader(0), writer(0), reader(1), writer(1)];

    /** Until a request of each kind succeeds again (the pool reconnected), or 15 s. */
    const recovered = async () => {
      const from = outcomes.length;
      const deadline = Date.now() + 15_000;
      const ok = (kind: Outcome['kind']) => outcomes.slice(from).some((o) => o.kind === kind && o.status === 200);
      while (!(ok('read') && ok('write')) && !exit && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      return ok('read') && ok('write');
    };

    const recoveries: boolean[] = [];
    for (let i = 0; i < RESTARTS && !exit; i += 1) {
      await new Promise((r) => setTimeout(r, 300));
      await pg!.stop();
      await pg!.start();
      recoveries.push(await recovered());
    }
    stop = true;
    await Promise.all(load);

    // The service's last lines say why it ended, when it did.
    expect({ exit, recoveries, output: exit ? output.slice(-4000) : '' }).toEqual({
      exit: undefined,
      recoveries: Array(RESTARTS).fill(true),
      output: '',
    });
    expect(child.exitCode).toBeNull();
    const unexpected = outcomes.filter(
      (o) => !(o.status === 200 || (o.status === 503 && o.retryAfter !== null && Number(o.retryAfter) > 0)),
    );
    expect(unexpected).toEqual([]);
    // The restarts were met: some requests were refused meanwhile, and both kinds succeeded in numbers.
    expect(outcomes.filter((o) => o.status === 503).length).toBeGreaterThan(0);
    for (const kind of ['read', 'write'] as const)
      expect(outcomes.filter((o) => o.kind === kind && o.status === 200).length).toBeGreaterThan(RESTARTS);

    const acknowledged = outcomes.filter((o) => o.kind === 'write' && o.status === 200).map((o) => o.eventId!);
    const check = new Client({ connectionString: pg!.url('restarts') });
    await check.connect();
    try {
      const { rows } = await check.query<{ event_id: string }>('SELECT event_id FROM stripe_webhook_events');
      const stored = new Set(rows.map((r) => r.event_id));
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    } finally {
      await check.end();
    }
  }, 90_000);
});
