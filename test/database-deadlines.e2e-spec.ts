import { Client } from 'pg';
import { DEFAULT_DATABASE_DEADLINES } from '../src/database/database.config';
import {
  configPath,
  createProject,
  Developer,
  fakeKey,
  projectWithConfig,
  putConfig,
  registerDeveloper,
} from './helpers/fixtures';
import { RestartablePostgres } from './helpers/restartable-postgres';
import { createTestApp, TestApp } from './helpers/test-app';

const D = DEFAULT_DATABASE_DEADLINES;
const BUSY = 'The service is busy, retry later.';
const UNREACHABLE = /cannot be reached/;

interface Outcome {
  name: string;
  status: number;
  ms: number;
  retryAfter: string | undefined;
  body: { detail?: unknown };
}

const testKeys = () => ({ test_secret_key: fakeKey('sk_test_'), test_publishable_key: fakeKey('pk_test_') });

async function timed(
  name: string,
  send: () => PromiseLike<{ status: number; headers: Record<string, string>; body: unknown }>,
): Promise<Outcome> {
  const started = Date.now();
  const res = await send();
  return {
    name,
    status: res.status,
    ms: Date.now() - started,
    retryAfter: res.headers['retry-after'],
    body: res.body as { detail?: unknown },
  };
}

/** This machine right now: the slowest of a few healthy GET /auth/me (slower when its cores are busy). */
async function healthyBaselineMs(t: TestApp, dev: Developer): Promise<number> {
  let slowest = 0;
  for (let i = 0; i < 5; i += 1) {
    const o = await timed('baseline', () => t.http().get('/api/v1/auth/me').set(dev.auth));
    expect(o.status).toBe(200);
    slowest = Math.max(slowest, o.ms);
  }
  return slowest;
}

/** Sends `count` PUTs of the project's config at once over real HTTP. */
async function putsAtOnce(baseUrl: string, dev: Developer, projectId: string, count: number) {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const res = await fetch(`${baseUrl}${configPath(projectId)}`, {
        method: 'PUT',
        headers: { ...dev.auth, 'Content-Type': 'application/json' },
        body: JSON.stringify(testKeys()),
      });
      return {
        status: res.status,
        retryAfter: res.headers.get('retry-after'),
        body: (await res.json()) as { detail?: string },
      };
    }),
  );
}

/** Holds the project's config row locked (SELECT ... FOR UPDATE) in a transaction of another session. */
async function lockConfigRow(db: Client, projectId: string): Promise<() => Promise<void>> {
  await db.query('BEGIN');
  await db.query('SELECT id FROM stripe_configs WHERE project_id = $1 FOR UPDATE', [projectId]);
  return async () => {
    await db.query('ROLLBACK');
  };
}

/**
 * Every database operation has a deadline (statement, lock, pool wait, and the client's own query
 * deadline for a server that answers nothing); when one passes the answer is 503 + Retry-After, and a
 * pool that is merely full queues requests instead of calling the database unreachable.
 */
describe('Database deadlines (e2e)', () => {
  describe('a database that stops answering (SIGSTOP, connections open)', () => {
    let pg: RestartablePostgres | undefined;
    let t: TestApp;

    beforeAll(async () => {
      pg = await RestartablePostgres.create('deadlines');
      t = await createTestApp({ databaseUrl: pg.url('deadlines') });
      t.db.on('error', () => undefined);
    }, 120_000);

    afterAll(async () => {
      pg?.resume();
      await t?.app.close();
      await t?.db.end().catch(() => undefined);
      await pg?.destroy();
    }, 60_000);

    it('GET config, GET /auth/me and PUT config answer 503 + Retry-After within the query deadline, then recover', async () => {
      const dev = await registerDeveloper(t);
      const projectId = await projectWithConfig(t, dev, testKeys());
      const healthyMs = await healthyBaselineMs(t, dev);

      pg!.pause();
      let outcomes: Outcome[];
      try {
        outcomes = await Promise.all([
          timed('GET config', () => t.http().get(configPath(projectId)).set(dev.auth)),
          timed('GET /auth/me', () => t.http().get('/api/v1/auth/me').set(dev.auth)),
          timed('PUT config', () => putConfig(t, dev, projectId, testKeys())),
        ]);
        // Once the stuck connections are gone, new ones cannot open either: still 503 within the bound.
        outcomes.push(await timed('GET /auth/me again', () => t.http().get('/api/v1/auth/me').set(dev.auth)));
      } finally {
        pg!.resume();
      }

      // The deadlines as set, plus what this machine needs for a healthy request right now: a busy machine
      // stretches both, a missing deadline would wait for the database as long as it stays paused.
      const bound = D.queryTimeoutMs + D.connectTimeoutMs + 1000 + 5 * healthyMs;
      expect(outcomes.map((o) => [o.name, o.status])).toEqual(outcomes.map((o) => [o.name, 503]));
      for (const o of outcomes) {
        expect(o.ms).toBeLessThan(bound);
        expect(Number(o.retryAfter)).toBeGreaterThan(0);
        expect(o.body).toEqual({ detail: expect.any(String) });
      }

      const deadline = Date.now() + 20_000;
      let status = 0;
      while (status !== 200 && Date.now() < deadline) {
        status = (await t.http().get('/api/v1/auth/me').set(dev.auth)).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 250));
      }
      expect(status).toBe(200);
      await putConfig(t, dev, projectId, testKeys()).expect(200);
    }, 90_000);
  });

  describe('on a running database', () => {
    let t: TestApp;
    let dev: Developer;

    /**
     * These tests are about the pool's queue and the lock deadline, not about opening connections: a
     * machine whose cores are all busy can take longer than the default connect deadline to open a
     * pool's connections at once, which would then read as "cannot be reached".
     */
    const SLOW_MACHINE = { DATABASE_CONNECT_TIMEOUT_MS: '15000' };

    beforeAll(async () => {
      t = await createTestApp({ listen: true, env: SLOW_MACHINE });
      dev = await registerDeveloper(t);
    });

    afterAll(async () => {
      await t?.close();
    });

    it('a PUT behind a row lock held by another session answers 503 + Retry-After within the lock deadline', async () => {
      const projectId = await projectWithConfig(t, dev, testKeys());
      const healthyMs = await healthyBaselineMs(t, dev);
      const release = await lockConfigRow(t.db, projectId);
      let outcome: Outcome;
      try {
        outcome = await timed('PUT', () => putConfig(t, dev, projectId, testKeys()));
      } finally {
        await release();
      }
      expect(outcome.status).toBe(503);
      expect(outcome.ms).toBeGreaterThanOrEqual(D.lockTimeoutMs - 100);
      // It waited for the lock deadline, and no longer than it plus what a healthy PUT takes here now.
      expect(outcome.ms).toBeLessThan(D.lockTimeoutMs + 1000 + 5 * healthyMs);
      expect(Number(outcome.retryAfter)).toBeGreaterThan(0);
      expect(outcome.body).toEqual({ detail: expect.stringMatching(/did not answer in time/) });
      // Nothing was written by the refused PUT, and the next one goes through.
      await putConfig(t, dev, projectId, testKeys()).expect(200);
    }, 30_000);

    it('100 concurrent PUTs with the default pool: all 200, no 503', async () => {
      const projectId = await createProject(t, dev);
      const responses = await putsAtOnce(t.url, dev, projectId, 100);
      expect(responses.filter((r) => r.status !== 200)).toEqual([]);
    }, 60_000);

    it('100 concurrent PUTs while the pool is stuck behind a lock for 2.5 s: queued, all 200, none "cannot be reached"', async () => {
      const projectId = await projectWithConfig(t, dev, testKeys());
      const release = await lockConfigRow(t.db, projectId);
      const pending = putsAtOnce(t.url, dev, projectId, 100);
      // Longer than the old 2 s pool wait for the requests queued behind the 10 stuck connections.
      await new Promise((r) => setTimeout(r, 2500));
      await release();
      const responses = await pending;
      expect(responses.filter((r) => r.status !== 200)).toEqual([]);
    }, 60_000);

    it('when too many requests wait for a connection: 503 "busy" + Retry-After, never "cannot be reached"', async () => {
      const small = await createTestApp({
        listen: true,
        databaseUrl: t.config.database.url,
        env: {
          ...SLOW_MACHINE,
          // Same secrets as the first instance: its developer's token and stored keys stay valid.
          JWT_SECRET: t.config.auth.jwtSecret,
          ENCRYPTION_KEYS: t.config.credentials.encryptionKeys
            .map((k) => `${k.id}:${k.key.toString('base64')}`)
            .join(','),
          DATABASE_POOL_SIZE: '2',
          DATABASE_POOL_MAX_WAITING: '2',
        },
      });
      try {
        const projectId = await projectWithConfig(t, dev, testKeys());
        const release = await lockConfigRow(t.db, projectId);
        const pending = putsAtOnce(small.url, dev, projectId, 12);
        await new Promise((r) => setTimeout(r, 1000));
        await release();
        const responses = await pending;
        const refused = responses.filter((r) => r.status !== 200);
        expect(refused.length).toBeGreaterThan(0);
        for (const r of refused) {
          expect(r.status).toBe(503);
          expect(r.body).toEqual({ detail: BUSY });
          expect(Number(r.retryAfter)).toBeGreaterThan(0);
        }
        expect(responses.some((r) => UNREACHABLE.test(String(r.body?.detail)))).toBe(false);
        expect(responses.some((r) => r.status === 200)).toBe(true);
      } finally {
        await small.app.close();
        await small.db.end();
      }
    }, 60_000);
  });
});
