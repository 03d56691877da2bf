import { maskCredential } from '../src/stripe/key-masking';
import { CREDENTIAL_FIELDS, CredentialField } from '../src/stripe/stripe-keys';
import { configPath, createProject, Developer, fakeKey, putConfig, registerDeveloper } from './helpers/fixtures';
import { decryptRow, storedConfigRows } from './helpers/stored-config';
import { createTestApp, startTwoInstances, TestApp } from './helpers/test-app';

type Body = Partial<Record<CredentialField, string>>;

/** Sends every PUT at once over real HTTP, spread round-robin over the given instances. */
async function putAllAtOnce(
  baseUrls: string[],
  dev: Developer,
  projectId: string,
  bodies: Body[],
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> | null }[]> {
  return Promise.all(
    bodies.map(async (body, i) => {
      const res = await fetch(`${baseUrls[i % baseUrls.length]}${configPath(projectId)}`, {
        method: 'PUT',
        headers: { ...dev.auth, 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
    }),
  );
}

function testBody(): Body {
  return {
    test_secret_key: fakeKey('sk_test_'),
    test_publishable_key: fakeKey('pk_test_'),
    test_webhook_secret: fakeKey('whsec_'),
  };
}

function liveBody(): Body {
  return {
    live_secret_key: fakeKey('rk_live_'),
    live_publishable_key: fakeKey('pk_live_'),
    live_webhook_secret: fakeKey('whsec_'),
  };
}

/**
 * 100 concurrent partial PUTs (half test fields, half live fields, every value distinct) to one
 * project; then every stored field must hold the value of one of its writers.
 */
async function hundredPartialPuts(t: TestApp, baseUrls: string[]): Promise<void> {
  const dev = await registerDeveloper(t);
  const projectId = await createProject(t, dev);
  const bodies = Array.from({ length: 100 }, (_v, i) => (i % 2 === 0 ? testBody() : liveBody()));
  const responses = await putAllAtOnce(baseUrls, dev, projectId, bodies);

  expect(responses.filter((r) => r.status >= 500)).toEqual([]);
  expect(responses.map((r) => r.status)).toEqual(bodies.map(() => 200));

  const rows = await storedConfigRows(t.db, projectId);
  expect(rows).toHaveLength(1);
  const [row] = rows;
  const stored = decryptRow(row, t.config.credentials.encryptionKeys);
  for (const field of CREDENTIAL_FIELDS) {
    const writers = bodies.map((b) => b[field]).filter((v): v is string => v !== undefined);
    expect(writers).toHaveLength(50);
    expect(writers).toContain(stored[field]);
    // The masked column was written together with the ciphertext: no torn write.
    expect(row[`${field}_masked`]).toBe(maskCredential(stored[field] as string));
  }
  // One writer's three test fields (and three live fields) travel together.
  const testWriter = bodies.find((b) => b.test_secret_key === stored.test_secret_key);
  expect(testWriter).toEqual({
    test_secret_key: stored.test_secret_key,
    test_publishable_key: stored.test_publishable_key,
    test_webhook_secret: stored.test_webhook_secret,
  });
  const liveWriter = bodies.find((b) => b.live_secret_key === stored.live_secret_key);
  expect(liveWriter).toEqual({
    live_secret_key: stored.live_secret_key,
    live_publishable_key: stored.live_publishable_key,
    live_webhook_secret: stored.live_webhook_secret,
  });

  const res = await t.http().get(configPath(projectId)).set(dev.auth).expect(200);
  expect(res.body.has_test_credentials).toBe(true);
  expect(res.body.has_live_credentials).toBe(true);
  expect(res.body.test_configured_at).not.toBeNull();
  expect(res.body.live_configured_at).not.toBeNull();
  expect(new Date(res.body.test_configured_at as string).getTime()).toBe(row.test_configured_at?.getTime());
  expect(new Date(res.body.live_configured_at as string).getTime()).toBe(row.live_configured_at?.getTime());
  for (const field of CREDENTIAL_FIELDS) expect(res.body[`${field}_masked`]).toBe(row[`${field}_masked`]);
  // Every write counted once: the first PUT created version 1, each of the 99 others added one.
  expect(row.version).toBe(100);
  const audit = await t.db.query('SELECT action, coalesced_writes FROM audit_log WHERE project_id = $1', [projectId]);
  expect(audit.rows.filter((r) => r.action === 'create')).toHaveLength(1);
  // Every write is recorded: a row each up to AUDIT_MAX_ROWS_PER_MINUTE, the rest counted in the minute's summary row.
  const updates = audit.rows.filter((r) => r.action !== 'create') as { coalesced_writes: number }[];
  expect(updates.reduce((sum, r) => sum + r.coalesced_writes, 0)).toBe(99);
}

/** 20 concurrent first PUTs to a project without a config: one row, all 200. */
async function twentyFirstPuts(t: TestApp, baseUrls: string[]): Promise<void> {
  const dev = await registerDeveloper(t);
  const projectId = await createProject(t, dev);
  const bodies = Array.from({ length: 20 }, () => testBody());
  const responses = await putAllAtOnce(baseUrls, dev, projectId, bodies);

  expect(responses.map((r) => r.status)).toEqual(bodies.map(() => 200));
  const rows = await storedConfigRows(t.db, projectId);
  expect(rows).toHaveLength(1);
  expect(new Set(responses.map((r) => r.body?.id))).toEqual(new Set([rows[0].id]));
  const stored = decryptRow(rows[0], t.config.credentials.encryptionKeys);
  expect(bodies.map((b) => b.test_secret_key)).toContain(stored.test_secret_key);
  const audit = await t.db.query('SELECT action FROM audit_log WHERE project_id = $1', [projectId]);
  expect(audit.rows.map((r) => r.action).sort()).toEqual(['create', ...Array(19).fill('update')]);
}

/**
 * 20 concurrent PUTs to an existing config, all with the same If-Match (its current version): exactly
 * one wins, the 19 others get 412 naming the new version; one audit entry, the version bumped once.
 */
async function twentyPutsOneIfMatch(t: TestApp, baseUrls: string[]): Promise<void> {
  const dev = await registerDeveloper(t);
  const projectId = await createProject(t, dev);
  const first = await putConfig(t, dev, projectId, testBody()).expect(200);
  const version = Number(JSON.parse(first.headers.etag as string));
  const bodies = Array.from({ length: 20 }, () => testBody());
  // Hold the row until PUTs that have read it are waiting for it, so that they really overlap.
  await t.db.query('BEGIN');
  await t.db.query('SELECT 1 FROM stripe_configs WHERE project_id = $1 FOR UPDATE', [projectId]);
  const pending = putAllAtOnce(baseUrls, dev, projectId, bodies, { 'If-Match': `"${version}"` });
  for (let waiting = 0, polls = 0; waiting < 5 && polls < 200; polls++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    await t.db.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    waiting = rows[0].n as number;
  }
  await t.db.query('COMMIT');
  const responses = await pending;

  expect(responses.map((r) => r.status).sort()).toEqual([200, ...Array(19).fill(412)]);
  const [row] = await storedConfigRows(t.db, projectId);
  expect(row.version).toBe(version + 1);
  const winner = bodies[responses.findIndex((r) => r.status === 200)];
  expect(decryptRow(row, t.config.credentials.encryptionKeys).test_secret_key).toBe(winner.test_secret_key);
  const audit = await t.db.query('SELECT action FROM audit_log WHERE project_id = $1', [projectId]);
  expect(audit.rows.map((r) => r.action).sort()).toEqual(['create', 'update']);
}

describe('No lost updates (one service instance)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp({ listen: true })));
  afterAll(() => t?.close());

  it('100 concurrent partial PUTs (half test, half live): every field holds one of its writers, no 5xx', () =>
    hundredPartialPuts(t, [t.url]));

  it('20 concurrent first PUTs: exactly one config row, every response 200', () => twentyFirstPuts(t, [t.url]));

  it('20 concurrent PUTs with the same If-Match: one 200, nineteen 412, one audit entry', () =>
    twentyPutsOneIfMatch(t, [t.url]));
});

describe('No lost updates (two service instances on one database)', () => {
  let a: TestApp;
  let b: TestApp;
  let close: (() => Promise<void>) | undefined;
  // An empty database: both apply (or find applied) the migrations at start-up.
  beforeAll(async () => ({ a, b, close } = await startTwoInstances({ listen: true })));
  afterAll(() => close?.());

  it('100 concurrent partial PUTs spread over two instances: every field holds one of its writers, no 5xx', () =>
    hundredPartialPuts(a, [a.url, b.url]));

  it('20 concurrent first PUTs spread over two instances: exactly one config row, every response 200', () =>
    twentyFirstPuts(a, [a.url, b.url]));
});
