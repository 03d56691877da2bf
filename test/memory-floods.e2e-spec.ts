import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { freePort } from '../src/common/free-port';
import { configPath, fakeKey } from './helpers/fixtures';
import { emptyObjects, eventText, receiverPath, send, sign } from './helpers/memory-attacks';
import { spawnService } from './helpers/service-process';
import { createTestDatabase } from './helpers/test-app';

/**
 * The floods replayed against the service in a child process with the production heap cap
 * (--max-old-space-size=160, as `npm run start:prod`) and the default limits: every request is
 * answered (done, 413 or 503 with Retry-After), the process stays up, and an acknowledged delivery is
 * stored.
 */
describe('Floods against the service with its production heap cap (child process)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let child: ReturnType<typeof spawnService> | undefined;
  let output = '';
  let base = '';

  beforeAll(async () => {
    database = await createTestDatabase();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawnService({
      nodeArgs: ['--max-old-space-size=160', '--max-semi-space-size=8'],
      // A flood on a shared machine is read slowly: the minimum body rate (not tested here) stays out of the way.
      env: { DATABASE_URL: database.url, PORT: String(port), LOG_LEVEL: 'error', BODY_MIN_RATE_GRACE_MS: '60000' },
    });
    child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`service did not start:\n${output}`);
      const up = await fetch(`${base}/api/v1/health`).catch(() => undefined);
      if (up?.status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 90_000);
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await database?.drop();
  });

  /** The service is still up: its process has not exited, and it answers. */
  const alive = async () => {
    const health = await send(base, 'GET', '/api/v1/health', {});
    if (health.status !== 200 || child?.exitCode !== null || child?.signalCode !== null) {
      throw new Error(`the service is down (${child?.exitCode ?? child?.signalCode}):\n${output.slice(-3000)}`);
    }
  };

  it('400 concurrent anonymous 64 KB logins of empty objects, 300 concurrent signed 64 KB deliveries and 50 concurrent listings of 100 events: all answered, the service stays up', async () => {
    const json = { 'Content-Type': 'application/json' };
    const body = emptyObjects(64 * 1024 - 10);
    const logins = await Promise.all(
      Array.from({ length: 400 }, () => send(base, 'POST', '/api/v1/auth/login', json, body)),
    );
    await alive();
    const loginStatuses = new Set(logins.map((r) => r.status));
    expect([...loginStatuses].every((s) => s === 413 || s === 503 || s === 429)).toBe(true);

    const register = await send(
      base,
      'POST',
      '/api/v1/auth/register',
      json,
      JSON.stringify({ email: `flood-${Date.now()}@example.com`, password: 'correct-horse-battery' }),
    );
    const auth = {
      ...json,
      Authorization: `Bearer ${(JSON.parse(register.body) as { access_token: string }).access_token}`,
    };
    const project = JSON.parse((await send(base, 'POST', '/api/v1/projects/', auth, '{"name":"flood"}')).body) as {
      id: string;
    };
    const hookSecret = fakeKey('whsec_', 32);
    expect(
      (await send(base, 'PUT', configPath(project.id), auth, JSON.stringify({ test_webhook_secret: hookSecret })))
        .status,
    ).toBe(200);

    // 300 signed deliveries of 64 KB, each mostly empty objects (about 20,000 values).
    const deliveries = Array.from({ length: 300 }, () => eventText(emptyObjects(64 * 1024 - 300)));
    const answers = await Promise.all(
      deliveries.map(({ payload }) =>
        send(
          base,
          'POST',
          receiverPath(project.id),
          { ...json, 'Stripe-Signature': sign(payload, hookSecret) },
          payload,
        ),
      ),
    );
    await alive();
    expect(answers.every((r) => r.status === 200 || r.status === 503)).toBe(true);
    expect(answers.filter((r) => r.status === 503).every((r) => /^\d+$/.test(String(r.headers['retry-after'])))).toBe(
      true,
    );
    const acknowledged = deliveries.filter((_, i) => answers[i].status === 200).map((d) => d.id);
    expect(acknowledged.length).toBeGreaterThan(0);
    const db = new Client({ connectionString: database.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM stripe_webhook_events WHERE event_id = ANY($1)',
        [acknowledged],
      );
      expect(rows[0].n).toBe(acknowledged.length);
    } finally {
      await db.end();
    }

    // 100 events just under the list's payload limit (16 KiB of empty objects each), listed 50 times at once.
    for (let i = 0; i < 100; i++) {
      const { payload } = eventText(emptyObjects(16 * 1024 - 300));
      const res = await send(
        base,
        'POST',
        receiverPath(project.id),
        { ...json, 'Stripe-Signature': sign(payload, hookSecret) },
        payload,
      );
      expect(res.status).toBe(200);
    }
    const lists = await Promise.all(
      Array.from({ length: 50 }, () =>
        send(base, 'GET', `${configPath(project.id, 'webhook-events')}?page_size=100`, auth),
      ),
    );
    await alive();
    // Beyond the developer's listings in flight (DEVELOPER_MAX_CONCURRENT_LISTINGS), 429 at once.
    expect(lists.every((r) => r.status === 200 || r.status === 429 || r.status === 503)).toBe(true);
    expect(lists.some((r) => r.status === 200)).toBe(true);
    expect((await send(base, 'GET', '/api/v1/auth/me', auth)).status).toBe(200);
    const peak = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child!.pid}/status`, 'utf8'))?.[1];
    console.log(`child process peak RSS over the floods: ${Math.round(Number(peak) / 1024)} MB`);
  }, 60_000);
});
