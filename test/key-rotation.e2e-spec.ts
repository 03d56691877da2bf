import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from 'pg';
import { DataSource } from 'typeorm';
import { CredentialCipher } from '../src/credentials/credential-cipher';
import { parseEncryptionKeys } from '../src/credentials/credentials.config';
import { KeyRotationService, RotationReport } from '../src/credentials/key-rotation.service';
import { StripeConfigRepository } from '../src/stripe-config/stripe-config.repository';
import { CredentialsService } from '../src/credentials/credentials.service';
import { StripeConfigCredentials } from '../src/stripe-config/stripe-config-credentials';
import { credentialContext } from '../src/stripe-config/stripe-config.entity';
import { CREDENTIAL_FIELDS, CredentialField } from '../src/stripe/stripe-keys';
import { configPath, createProject, Developer, fakeKey, registerDeveloper } from './helpers/fixtures';
import { createTestApp, createTestDatabase, TestApp, testEncryptionKey } from './helpers/test-app';

const run = promisify(execFile);

type Plain = Partial<Record<CredentialField, string>>;

function fullConfig(): Plain {
  return {
    test_secret_key: fakeKey('sk_test_'),
    test_publishable_key: fakeKey('pk_test_'),
    test_webhook_secret: fakeKey('whsec_'),
    live_secret_key: fakeKey('rk_live_'),
    live_publishable_key: fakeKey('pk_live_'),
    live_webhook_secret: fakeKey('whsec_'),
  };
}

async function rows(db: Client): Promise<Record<string, string | number | null>[]> {
  return (await db.query('SELECT * FROM stripe_configs ORDER BY id')).rows;
}

/** Key ids of every stored credential, e.g. ["k1", "k1", "k2"]. */
async function keyIdsInUse(db: Client): Promise<string[]> {
  return (await rows(db)).flatMap((row) =>
    CREDENTIAL_FIELDS.map((f) => row[`${f}_encrypted`] as string | null)
      .filter((v): v is string => v !== null)
      .map((v) => CredentialCipher.keyIdOf(v) as string),
  );
}

/** Every project's credentials as the service decrypts them. */
async function expectAllDecrypt(t: TestApp, expected: Map<string, Plain>): Promise<void> {
  const repository = t.app.get(StripeConfigRepository);
  const service = t.app.get(StripeConfigCredentials);
  for (const [projectId, plain] of expected) {
    const config = await repository.findByProjectId(projectId);
    expect(config).not.toBeNull();
    for (const field of CREDENTIAL_FIELDS) {
      expect(service.reveal(config!, field)).toBe(plain[field] ?? null);
    }
  }
}

async function rotateKeysScript(databaseUrl: string, keys: string, args: string[] = []) {
  const { stdout, stderr } = await run('npm', ['run', '--silent', 'rotate-keys', '--', ...args], {
    cwd: join(__dirname, '..'),
    timeout: 120_000,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      // ts-node transpiles with swc (as for the service in a child process): TypeScript's own
      // transpiling of everything the script imports took most of each run's CPU.
      TS_NODE_PROJECT: 'test/tsconfig.spawn.json',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'scs-rotate-')),
      DATABASE_URL: databaseUrl,
      ENCRYPTION_KEYS: keys,
    },
  });
  const report = JSON.parse(stdout.trim().split('\n').pop() as string) as RotationReport;
  return { report, stderr };
}

describe('Key rotation (npm run rotate-keys)', () => {
  const k1 = testEncryptionKey('k1');
  const k2 = testEncryptionKey('k2');
  const jwtSecret = randomBytes(32).toString('base64url');
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const apps: TestApp[] = [];
  const start = async (keys: string) => {
    const app = await createTestApp({
      databaseUrl: database.url,
      env: { JWT_SECRET: jwtSecret, ENCRYPTION_KEYS: keys },
    });
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    database = await createTestDatabase({ migrated: true });
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await database?.drop();
  });

  it('k1 values decrypt under "k2,k1"; the script rotates everything in resumable batches; then k1 can be dropped', async () => {
    // 1. Written under k1.
    const a = await start(k1);
    const dev: Developer = await registerDeveloper(a);
    const expected = new Map<string, Plain>();
    for (let i = 0; i < 5; i += 1) {
      const projectId = await createProject(a, dev);
      const plain = i % 2 === 0 ? fullConfig() : { test_secret_key: fakeKey('sk_test_') };
      await a.http().put(configPath(projectId)).set(dev.auth).send(plain).expect(200);
      expected.set(projectId, plain);
    }
    expect(new Set(await keyIdsInUse(a.db))).toEqual(new Set(['k1']));

    // 2. The service restarted with "k2,k1": old values still decrypt, new ones are written under k2.
    const b = await start(`${k2},${k1}`);
    await expectAllDecrypt(b, expected);
    const newProject = await createProject(b, dev);
    const newPlain = { live_secret_key: fakeKey('sk_live_') };
    await b.http().put(configPath(newProject)).set(dev.auth).send(newPlain).expect(200);
    expected.set(newProject, newPlain);
    expect(new Set(await keyIdsInUse(b.db))).toEqual(new Set(['k1', 'k2']));
    const versionsBefore = (await rows(b.db)).map((r) => [r.id, r.version]);
    const etagBefore = (await b.http().get(configPath(newProject)).set(dev.auth)).headers.etag;

    // 3. An interrupted run: one batch of 2 rows commits, then it stops.
    const ring = parseEncryptionKeys(`${k2},${k1}`, []);
    const service = new KeyRotationService(b.app.get(StripeConfigRepository), new CredentialCipher(ring));
    const partial = await service.runPass({ batchSize: 2, maxBatches: 1 });
    expect(partial).toEqual({ rotated: 2, credentials: expect.any(Number), skipped: 0, failed: 0 });
    const afterPartial = await rows(b.db);

    // 4. The script resumes: only the 3 rows still under k1 are touched.
    const { report } = await rotateKeysScript(database.url, `${k2},${k1}`, ['--batch-size=2']);
    expect(report).toMatchObject({ keyId: 'k2', rotated: 3, skipped: 0, failed: 0, remaining: 0, passes: 1 });
    expect(report.columns).toEqual(CREDENTIAL_FIELDS.map((f) => `${f}_encrypted`));
    const afterScript = await rows(b.db);
    const alreadyDone = afterPartial.filter((r) =>
      CREDENTIAL_FIELDS.every((f) => r[`${f}_encrypted`] === null || String(r[`${f}_encrypted`]).startsWith('v1:k2:')),
    );
    expect(alreadyDone).toHaveLength(3); // the 2 rotated rows + the row written under k2
    for (const row of alreadyDone) expect(afterScript.find((r) => r.id === row.id)).toEqual(row);
    // The fingerprints identify the values written, not their ciphertexts: rotation leaves them.
    for (const row of afterPartial) {
      const now = afterScript.find((r) => r.id === row.id)!;
      for (const f of CREDENTIAL_FIELDS) expect(now[`${f}_fingerprint`]).toBe(row[`${f}_fingerprint`]);
    }
    // The running service has stripe_configs registered for rotation too (StripeConfigModule does so).
    const inApp = await b.app.get(CredentialsService).rotate();
    expect(inApp).toMatchObject({ keyId: 'k2', rotated: 0, failed: 0, remaining: 0 });
    expect(inApp.columns).toEqual(CREDENTIAL_FIELDS.map((f) => `${f}_encrypted`));
    expect(new Set(await keyIdsInUse(b.db))).toEqual(new Set(['k2']));
    // The plaintexts did not change: versions and ETags stay valid.
    expect(afterScript.map((r) => [r.id, r.version])).toEqual(versionsBefore);
    expect((await b.http().get(configPath(newProject)).set(dev.auth)).headers.etag).toBe(etagBefore);

    // 5. A second run finds nothing to do.
    const again = await rotateKeysScript(database.url, `${k2},${k1}`);
    expect(again.report).toMatchObject({ rotated: 0, skipped: 0, failed: 0, remaining: 0 });

    // 6. k1 dropped: everything still decrypts.
    const c = await start(k2);
    await expectAllDecrypt(c, expected);
    const res = await c.http().get(configPath(newProject)).set(dev.auth).expect(200);
    expect(res.body.live_secret_key_masked).toBe(`sk_live_...${newPlain.live_secret_key.slice(-4)}`);
  });

  it('a row changed concurrently is skipped and picked up by the next pass; an unknown key counts as failed', async () => {
    const a = await start(k1);
    const dev = await registerDeveloper(a);
    const projectId = await createProject(a, dev);
    const others: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const id = await createProject(a, dev);
      await a.http().put(configPath(id)).set(dev.auth).send(fullConfig()).expect(200);
      others.push(id);
    }
    const plain = { test_secret_key: fakeKey('sk_test_'), test_publishable_key: fakeKey('pk_test_') };
    await a.http().put(configPath(projectId)).set(dev.auth).send(plain).expect(200);

    const ring = parseEncryptionKeys(`${k2},${k1}`, []);
    const cipher = new CredentialCipher(ring);
    const service = new KeyRotationService(a.app.get(StripeConfigRepository), cipher);

    // A writer (like a PUT) holds the row lock and changes one credential while the rotation runs.
    const newSecret = fakeKey('sk_test_');
    const writer = a.db;
    await writer.query('BEGIN');
    await writer.query(
      `UPDATE stripe_configs SET test_secret_key_encrypted = $2, version = version + 1 WHERE project_id = $1`,
      [projectId, cipher.encrypt(newSecret, credentialContext(projectId, 'test_secret_key'))],
    );
    const pass = service.runPass({ batchSize: 10 });
    // Wait until the rotation's UPDATE is blocked on our row lock, then commit.
    const waitUntil = Date.now() + 10_000;
    for (;;) {
      const waiting: { n: number }[] = await a.app
        .get(DataSource)
        .query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`,
        );
      if (waiting[0].n > 0) break;
      if (Date.now() > waitUntil) throw new Error('the rotation never waited on the row lock');
      await new Promise((r) => setTimeout(r, 20));
    }
    await writer.query('COMMIT');
    expect(await pass).toEqual({ rotated: 3, credentials: 18, skipped: 1, failed: 0 });

    // The next pass rotates what the writer left under k1 (the publishable key), keeping the writer's value.
    expect(await service.runPass({ batchSize: 10 })).toEqual({ rotated: 1, credentials: 1, skipped: 0, failed: 0 });
    expect(await service.countRemaining()).toBe(0);
    const config = await a.app.get(StripeConfigRepository).findByProjectId(projectId);
    const onlyK2 = new CredentialCipher(parseEncryptionKeys(k2, []));
    expect(onlyK2.decrypt(config!.testSecretKeyEncrypted!, credentialContext(projectId, 'test_secret_key'))).toBe(
      newSecret,
    );
    expect(
      onlyK2.decrypt(config!.testPublishableKeyEncrypted!, credentialContext(projectId, 'test_publishable_key')),
    ).toBe(plain.test_publishable_key);

    // A value under a key that is not in the ring cannot be rotated: failed, left untouched, exit code 1.
    const k0 = new CredentialCipher(parseEncryptionKeys(testEncryptionKey('k0'), []));
    const orphan = k0.encrypt(fakeKey('sk_live_'), credentialContext(others[0], 'live_secret_key'));
    await a.db.query('UPDATE stripe_configs SET live_secret_key_encrypted = $2 WHERE project_id = $1', [
      others[0],
      orphan,
    ]);
    await expect(rotateKeysScript(database.url, `${k2},${k1}`)).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringContaining('"failed":1'),
    });
    const stored = await a.db.query('SELECT live_secret_key_encrypted FROM stripe_configs WHERE project_id = $1', [
      others[0],
    ]);
    expect(stored.rows[0].live_secret_key_encrypted).toBe(orphan);
    // Leave the shared database rotatable for the next test.
    await a.db.query('DELETE FROM stripe_configs WHERE project_id = $1', [others[0]]);
  });

  it('rotating while the service takes PUTs loses no update', async () => {
    const a = await start(k1);
    const dev = await registerDeveloper(a);
    const initial = new Map<string, Plain>();
    for (let i = 0; i < 20; i += 1) {
      const projectId = await createProject(a, dev);
      const plain = fullConfig();
      await a.http().put(configPath(projectId)).set(dev.auth).send(plain).expect(200);
      initial.set(projectId, plain);
    }
    const b = await start(`${k2},${k1}`);
    const service = new KeyRotationService(
      b.app.get(StripeConfigRepository),
      new CredentialCipher(parseEncryptionKeys(`${k2},${k1}`, [])),
    );
    const latest = new Map<string, string>();
    const writes = [...initial.keys()].map(async (projectId) => {
      for (let n = 0; n < 3; n += 1) {
        const key = fakeKey('sk_test_');
        await b.http().put(configPath(projectId)).set(dev.auth).send({ test_secret_key: key }).expect(200);
        latest.set(projectId, key);
      }
    });
    const [report] = await Promise.all([service.rotate({ batchSize: 3, maxPasses: 5 }), ...writes]);
    expect(report.failed).toBe(0);
    const final = await service.rotate({ batchSize: 3 });
    expect(final).toMatchObject({ failed: 0, remaining: 0 });

    // Only k2 from now on: every project holds its latest PUT and its untouched initial values.
    const c = await start(k2);
    const expected = new Map<string, Plain>();
    for (const [projectId, plain] of initial)
      expected.set(projectId, { ...plain, test_secret_key: latest.get(projectId) });
    await expectAllDecrypt(c, expected);
  });
});
