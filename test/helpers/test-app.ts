import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { DestinationStream } from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app.setup';
import { type AppConfig, loadConfig } from '../../src/app.config';
import { FakeStripe } from './fake-stripe';
import { Developer, fakeKey, projectWithConfig, registerDeveloper } from './fixtures';
import { OpenApiResponseValidator, VALIDATED_METHODS } from './openapi-validator';

export interface TestApp {
  app: NestFastifyApplication;
  /** Base URL when started with `listen: true`. */
  url: string;
  config: AppConfig;
  /** A direct connection to this test file's own database, for reading rows as they are stored. */
  db: Client;
  /**
   * supertest against the app. Every response to an `/api/` path is checked against the committed
   * openapi/openapi.json (status documented, body matches its schema); `{ validate: false }` is for
   * the few tests that deliberately call what the spec does not describe.
   */
  http: (options?: { validate?: boolean }) => ReturnType<typeof request>;
  close(): Promise<void>;
}

function databaseUrlFor(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Creates a database of its own on the run's PostgreSQL server and returns its URL: empty by default,
 * or `migrated` (a copy of the template the global setup migrated once, test/setup/global-setup.ts).
 */
export async function createTestDatabase(
  options: { migrated?: boolean } = {},
): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL;
  if (!adminUrl)
    throw new Error('TEST_DATABASE_ADMIN_URL is not set: run the tests through jest (test/setup/global-setup.ts)');
  const template = options.migrated ? process.env.TEST_DATABASE_TEMPLATE : undefined;
  if (options.migrated && !template)
    throw new Error('TEST_DATABASE_TEMPLATE is not set: run the tests through jest (test/setup/global-setup.ts)');
  const name = `scs_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  } finally {
    await admin.end();
  }
  return {
    url: databaseUrlFor(adminUrl, name),
    drop: async () => {
      const c = new Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export function testEncryptionKey(id = 'k1'): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

let validator: OpenApiResponseValidator | undefined;

/** supertest whose every request also asserts that its response is one the spec documents. */
export function validatingRequest(server: Parameters<typeof request>[0]): ReturnType<typeof request> {
  validator ??= OpenApiResponseValidator.fromCommittedSpec();
  const spec = validator;
  const agent = request(server);
  return new Proxy(agent, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || typeof value !== 'function') return value;
      const method = property === 'del' ? 'delete' : property;
      if (!VALIDATED_METHODS.has(method)) return value;
      return (url: string, ...rest: unknown[]) => {
        const test = (value as (...args: unknown[]) => request.Test).call(target, url, ...rest);
        // Paths outside /api/ (Swagger UI, the spec itself) are not API operations.
        if (!new URL(url, 'http://x').pathname.startsWith('/api/')) return test;
        return test.expect((res) => spec.assertResponse(method, url, res));
      };
    },
  });
}

/**
 * Boots the whole service (real PostgreSQL, migrations at start-up, the same Fastify wiring as
 * main.ts) on a fresh database of its own (already migrated from the run's template, so start-up
 * finds nothing pending; pass `databaseUrl` of an empty database to see migrations applied).
 */
export interface TestAppOptions {
  env?: Record<string, string | undefined>;
  listen?: boolean;
  databaseUrl?: string;
  /**
   * Where the app's JSON log lines go (see test/helpers/log-capture.ts); without it the app logs nothing.
   */
  logDestination?: DestinationStream;
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.databaseUrl ? undefined : await createTestDatabase({ migrated: true });
  const databaseUrl = options.databaseUrl ?? (database as { url: string }).url;
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'scs-test-')),
    JWT_SECRET: randomBytes(32).toString('base64url'),
    ENCRYPTION_KEYS: testEncryptionKey(),
    PUBLIC_BASE_URL: 'https://api.example.test',
    LOG_LEVEL: options.logDestination ? 'debug' : 'silent',
    // No background key checks unless a test asks for them (they would call Stripe on their own).
    HEALTH_CHECK_INTERVAL: 'off',
    // No background sweeps either (they would call Stripe for every stored key); jobs polled often.
    PAYMENTS_SWEEP_INTERVAL: 'off',
    PAYMENTS_JOB_POLL_INTERVAL: '1s',
    // The cheapest password hashing: most files sign up many developers. Tests of what the hashing
    // cost protects (login timing, hashing gates under a flood) set PASSWORD_HASH_COST themselves.
    PASSWORD_HASH_COST: '10',
    ...options.env,
    DATABASE_URL: databaseUrl,
  });
  const app = await createApp(
    config,
    options.logDestination ? { logDestination: options.logDestination } : { logger: false },
  );
  let url = '';
  if (options.listen) {
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address() as { port: number };
    url = `http://127.0.0.1:${address.port}`;
  } else {
    await app.init();
    // supertest then drives the bare HTTP server: Fastify must have loaded its plugins and routes.
    await app.getHttpAdapter().getInstance().ready();
  }
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  return {
    app,
    url,
    config,
    db,
    http: (httpOptions = {}) =>
      httpOptions.validate === false ? request(app.getHttpServer()) : validatingRequest(app.getHttpServer()),
    close: async () => {
      await db.end();
      await app.close();
      await database?.drop();
    },
  };
}

/**
 * Two instances of the service on ONE database of their own, as behind a load balancer, sharing
 * JWT_SECRET and ENCRYPTION_KEYS (a token or a stored key of one is good on the other). The database
 * is empty unless `migrated`: then the first instance applies the migrations at start-up, then the
 * second finds none pending. `close()` stops both and drops the database.
 */
export async function startTwoInstances(
  options: TestAppOptions & { migrated?: boolean } = {},
): Promise<{ a: TestApp; b: TestApp; close(): Promise<void> }> {
  const { migrated, ...appOptions } = options;
  const database = await createTestDatabase({ migrated });
  const env = {
    JWT_SECRET: randomBytes(32).toString('base64url'),
    ENCRYPTION_KEYS: testEncryptionKey(),
    ...options.env,
  };
  const apps: TestApp[] = [];
  const close = async () => {
    for (const app of apps) await app.close();
    await database.drop();
  };
  try {
    // One after the other: each start-up runs (or finds done) the migrations on its own.
    for (let i = 0; i < 2; i += 1) apps.push(await createTestApp({ ...appOptions, databaseUrl: database.url, env }));
  } catch (error) {
    await close();
    throw error;
  }
  return { a: apps[0], b: apps[1], close };
}

/** An app of its own with one developer registered on it (the setup most test files start with). */
export async function startAppWithDeveloper(options: TestAppOptions = {}): Promise<{ t: TestApp; dev: Developer }> {
  const t = await createTestApp(options);
  return { t, dev: await registerDeveloper(t) };
}

/**
 * startAppWithDeveloper, plus a project of that developer whose stored configuration holds a new test
 * webhook `secret` (and `config`): what the webhook receiver tests deliver to.
 */
export async function startAppWithWebhookSecret(
  config: object = {},
): Promise<{ t: TestApp; dev: Developer; projectId: string; secret: string }> {
  const { t, dev } = await startAppWithDeveloper();
  const secret = fakeKey('whsec_', 32);
  const projectId = await projectWithConfig(t, dev, { test_webhook_secret: secret, ...config });
  return { t, dev, projectId, secret };
}

/**
 * A fake Stripe (test/helpers/fake-stripe.ts) and an app whose STRIPE_API_BASE points at it, with one
 * developer registered; `t.close()` also stops the fake Stripe. Tests that share it call
 * `stripe.reset()` in a beforeEach.
 */
export async function startAppWithFakeStripe(
  options: TestAppOptions = {},
): Promise<{ t: TestApp; stripe: FakeStripe; dev: Developer }> {
  const stripe = new FakeStripe();
  await stripe.start();
  let t: TestApp;
  try {
    t = await createTestApp({ ...options, env: { STRIPE_API_BASE: stripe.url, ...options.env } });
  } catch (error) {
    await stripe.stop();
    throw error;
  }
  const closeApp = t.close;
  t.close = async () => {
    try {
      await closeApp();
    } finally {
      await stripe.stop();
    }
  };
  return { t, stripe, dev: await registerDeveloper(t) };
}
