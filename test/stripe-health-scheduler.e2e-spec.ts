import type { ServerResponse } from 'node:http';
import { FakeStripe, RecordedRequest } from './helpers/fake-stripe';
import {
  configPath,
  createProject,
  Developer,
  fakeKey,
  projectWithConfig,
  putConfig,
  registerDeveloper,
} from './helpers/fixtures';
import { createTestApp, createTestDatabase, startTwoInstances, TestApp } from './helpers/test-app';

interface Check {
  check: string;
  code: string;
  status: string;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const keyOf = (req: RecordedRequest) => (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');

/**
 * Background re-validation: HEALTH_CHECK_INTERVAL short (1 s) so that "the next scheduled check"
 * comes within the test, never a sleep of minutes.
 */
describe('Stripe integration health: background re-validation (e2e)', () => {
  let stripe: FakeStripe;

  beforeAll(async () => {
    stripe = new FakeStripe();
    await stripe.start();
  });
  afterAll(async () => {
    await stripe?.stop();
  });

  /** What two instances of one deployment share besides the database. */
  /** What both instances of a two-instance scenario share besides the database and keys. */
  const shared = () => ({ STRIPE_API_BASE: stripe.url, HEALTH_CHECK_INTERVAL: '1s' });

  /** `count` projects of one developer, each with a test secret key Stripe accepts; returns the keys. */
  async function storeValidKeys(t: TestApp, count: number): Promise<string[]> {
    const dev = await registerDeveloper(t);
    const keys: string[] = [];
    for (let i = 0; i < count; i++) {
      const projectId = await createProject(t, dev);
      const key = fakeKey('sk_test_', 32);
      keys.push(key);
      stripe.validKeys.add(key);
      await putConfig(t, dev, projectId, { test_secret_key: key }).expect(200);
    }
    return keys;
  }

  async function secretKeyCheck(t: TestApp, dev: Developer, projectId: string): Promise<Check> {
    const res = await t.http().get(configPath(projectId, 'health')).set(dev.auth).expect(200);
    return (res.body.test.checks as Check[]).find((c) => c.check === 'secret_key')!;
  }

  it('a key rolled in Stripe turns failing after the next scheduled check, without anyone calling validate', async () => {
    const t = await createTestApp({ env: { STRIPE_API_BASE: stripe.url, HEALTH_CHECK_INTERVAL: '1s' } });
    try {
      const dev = await registerDeveloper(t);
      const projectId = await createProject(t, dev);
      const key = fakeKey('sk_test_', 32);
      stripe.validKeys.add(key);
      await putConfig(t, dev, projectId, { test_secret_key: key }).expect(200);

      // The scheduler finds the new key by itself.
      await until('the first scheduled check', async () => {
        const c = await secretKeyCheck(t, dev, projectId);
        return c.code === 'secret_key_valid' ? c : undefined;
      });
      // The developer rolls the key in Stripe's dashboard: Stripe now rejects the stored one.
      stripe.validKeys.delete(key);
      const keyChecks = () => stripe.requests.filter((r) => keyOf(r) === key && r.path.startsWith('/v1/balance'));
      const checksBeforeRoll = keyChecks().length;
      const failing = await until('the rolled key to show as failing', async () => {
        const c = await secretKeyCheck(t, dev, projectId);
        return c.code === 'secret_key_invalid' ? c : undefined;
      });
      expect(failing.status).toBe('failing');
      // The next scheduled check showed it: one check after the roll (a second may have started while
      // the answer was read), not a later one nor a day later, however loaded the machine.
      const checksAfterRoll = keyChecks().length - checksBeforeRoll;
      expect(checksAfterRoll).toBeGreaterThanOrEqual(1);
      expect(checksAfterRoll).toBeLessThanOrEqual(2);
      // Nobody called validate-credentials or refresh: only the scheduler's calls reached Stripe.
      const paths = stripe.requests.filter((r) => keyOf(r) === key).map((r) => r.path.split('?')[0]);
      expect(new Set(paths)).toEqual(new Set(['/v1/balance', '/v1/webhook_endpoints']));
      const { rows } = await t.db.query(
        'SELECT key_outcome, claimed_until FROM stripe_health_checks WHERE project_id = $1',
        [projectId],
      );
      expect(rows).toEqual([{ key_outcome: 'invalid', claimed_until: null }]);
      // The stored outcome holds no key: message and masked form only.
      const stored = await t.db.query('SELECT row_to_json(h)::text AS row FROM stripe_health_checks h');
      expect(stored.rows[0].row).not.toContain(key.slice(8, -4));
    } finally {
      await t.close();
    }
  });

  it('two instances on one database never check the same key at once', async () => {
    const { a, close } = await startTwoInstances({ env: { ...shared(), HEALTH_CHECK_RATE: '100' } });
    const keys: string[] = [];
    const inFlight = new Map<string, number>();
    const overlaps: string[] = [];
    const checks = new Map<string, number>();
    // Each key check takes 300 ms: long enough for the other instance to try the same key meanwhile.
    stripe.use((req: RecordedRequest, res: ServerResponse) => {
      const key = keyOf(req);
      if (!keys.includes(key) || !req.path.startsWith('/v1/balance')) return false;
      const now = (inFlight.get(key) ?? 0) + 1;
      inFlight.set(key, now);
      checks.set(key, (checks.get(key) ?? 0) + 1);
      if (now > 1) overlaps.push(`key #${keys.indexOf(key)}`);
      setTimeout(() => {
        inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ object: 'balance', available: [], pending: [], livemode: false }));
      }, 300);
      return true;
    });
    try {
      keys.push(...(await storeValidKeys(a, 6)));
      const started = Date.now();
      await until('every key checked at least 3 times', async () =>
        keys.every((k) => (checks.get(k) ?? 0) >= 3) ? true : undefined,
      );
      const elapsedSeconds = (Date.now() - started) / 1000;
      expect(overlaps).toEqual([]);
      // Never more often than once per interval (0.9 s at the earliest) per key, by both instances together.
      for (const key of keys) expect(checks.get(key)).toBeLessThanOrEqual(Math.ceil(elapsedSeconds / 0.9) + 1);
    } finally {
      await close();
      stripe.reset();
    }
  });

  it('HEALTH_CHECK_RATE caps the calls of all instances together', async () => {
    // 2 calls a second = one check (key + endpoint list) a second, however many instances run.
    const { a, close } = await startTwoInstances({ env: { ...shared(), HEALTH_CHECK_RATE: '2' } });
    const keys: string[] = [];
    try {
      keys.push(...(await storeValidKeys(a, 6)));
      const since = stripe.requests.length;
      await new Promise((resolve) => setTimeout(resolve, 3_500));
      const balanceCalls = stripe.requests
        .slice(since)
        .filter((r) => keys.includes(keyOf(r)) && r.path === '/v1/balance');
      // 3.5 s at one check a second: at most 4 rounds (one may straddle the start).
      expect(balanceCalls.length).toBeGreaterThanOrEqual(2);
      expect(balanceCalls.length).toBeLessThanOrEqual(5);
    } finally {
      await close();
    }
  });

  it("one developer's refresh loop does not spend the background checks' budget", async () => {
    // 4 calls a second: 2 background checks a second. Refreshes are limited per developer only
    // (RATE_LIMIT_STRIPE, generous here so that the loop stays within it).
    const t = await createTestApp({
      env: {
        STRIPE_API_BASE: stripe.url,
        HEALTH_CHECK_INTERVAL: '10s',
        HEALTH_CHECK_RATE: '4',
        RATE_LIMIT_STRIPE: '10000/60',
      },
    });
    let looping = true;
    try {
      // The looping developer (4 loops): one project with a key of each mode, two claims per refresh.
      const looper = await registerDeveloper(t);
      const testKey = fakeKey('sk_test_', 32);
      const liveKey = fakeKey('sk_live_', 32);
      stripe.validKeys.add(testKey);
      stripe.validKeys.add(liveKey);
      const looped = await projectWithConfig(t, looper, { test_secret_key: testKey, live_secret_key: liveKey });
      const refreshes: number[] = [];
      const loop = async () => {
        while (looping) {
          const res = await t.http().post(configPath(looped, 'health/refresh')).set(looper.auth);
          refreshes.push(res.status);
        }
      };
      const loops = [loop(), loop(), loop(), loop()];
      await until('the refresh loop to run', async () => (refreshes.length >= 4 ? true : undefined));

      // Meanwhile another developer stores 5 keys: the background checks must still reach each of them.
      const since = stripe.requests.length;
      const keys = await storeValidKeys(t, 5);
      const checkedKeys = () =>
        new Set(
          stripe.requests
            .slice(since)
            .filter((r) => keys.includes(keyOf(r)) && r.path.startsWith('/v1/webhook_endpoints'))
            .map(keyOf),
        );
      const refreshesBefore = refreshes.length;
      await until('a background check of each key', async () => (checkedKeys().size === 5 ? true : undefined), 8_000)
        // The count is asserted below, with the figures that tell why.
        .catch(() => undefined);
      looping = false;
      await Promise.all(loops);

      // The loop ran all along, within its limit, and its refreshes reached Stripe...
      expect(refreshes.filter((status) => status !== 200)).toEqual([]);
      expect(refreshes.length - refreshesBefore).toBeGreaterThan(3);
      expect(stripe.requests.filter((r) => keyOf(r) === testKey).length).toBeGreaterThan(refreshes.length / 2);
      // ...and every other project was checked in the background meanwhile.
      expect(checkedKeys().size).toBe(5);
    } finally {
      looping = false;
      await t.close();
    }
  });

  it('app.close() during a check waits for it, stores its outcome, and no check runs after', async () => {
    const database = await createTestDatabase();
    const t = await createTestApp({
      databaseUrl: database.url,
      env: { STRIPE_API_BASE: stripe.url, HEALTH_CHECK_INTERVAL: '1s' },
    });
    const key = fakeKey('sk_test_', 32);
    stripe.validKeys.add(key);
    stripe.behaviors.set(key, { kind: 'delay', ms: 800 });
    try {
      const dev = await registerDeveloper(t);
      const projectId = await projectWithConfig(t, dev, { test_secret_key: key });
      await until('a check in flight', async () => (stripe.requests.some((r) => keyOf(r) === key) ? true : undefined));
      const { rows: during } = await t.db.query(
        'SELECT claimed_until FROM stripe_health_checks WHERE project_id = $1',
        [projectId],
      );
      expect(during[0].claimed_until).not.toBeNull();

      // close() resolves only after the check in flight ended (a close that hung fails by the test's timeout).
      await t.app.close();
      // The check in flight finished before the pool closed: its outcome is stored and the claim released.
      const { rows } = await t.db.query(
        'SELECT key_outcome, claimed_until FROM stripe_health_checks WHERE project_id = $1',
        [projectId],
      );
      expect(rows).toEqual([{ key_outcome: 'valid', claimed_until: null }]);
      const calls = stripe.requests.filter((r) => keyOf(r) === key).length;
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(stripe.requests.filter((r) => keyOf(r) === key).length).toBe(calls);
    } finally {
      await t.db.end();
      await database.drop();
    }
  });
});
