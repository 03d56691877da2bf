import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { MIGRATIONS } from '../src/database/migrations';
import { createTestApp, createTestDatabase, TestApp, testEncryptionKey } from './helpers/test-app';

/**
 * Several instances starting at the same moment on an empty database (a fresh deployment scaled to N):
 * each applies pending migrations at start-up, so without serialisation they would race on CREATE TABLE.
 */
describe('Concurrent start-up of several instances on an empty database (e2e)', () => {
  const INSTANCES = 3;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let apps: TestApp[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await database?.drop();
  });

  it('every instance comes up at the first attempt, and each migration is applied exactly once', async () => {
    // A lost race shows as a failed migration (TypeORM logs it on the console) and a start-up retry
    // (@nestjs/typeorm logs it through Nest's Logger, even when the app's logger is off).
    const consoleLog = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const loggerError = jest.spyOn(Logger.prototype, 'error');
    const env = { JWT_SECRET: randomBytes(32).toString('base64url'), ENCRYPTION_KEYS: testEncryptionKey() };
    const started = await Promise.allSettled(
      Array.from({ length: INSTANCES }, () => createTestApp({ databaseUrl: database.url, env })),
    );
    apps = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    expect(started.filter((s) => s.status === 'rejected')).toEqual([]);
    expect(apps).toHaveLength(INSTANCES);
    const messages = [...consoleLog.mock.calls, ...loggerError.mock.calls].map((args) => args.map(String).join(' '));
    consoleLog.mockRestore();
    loggerError.mockRestore();
    expect(messages.filter((m) => /failed|Retrying/i.test(m))).toEqual([]);

    const applied = await apps[0].db.query<{ name: string }>('SELECT name FROM migrations ORDER BY id');
    expect(applied.rows.map((r) => r.name)).toEqual(MIGRATIONS.map((m) => (m as unknown as { name: string }).name));
    for (const app of apps) await app.http().get('/api/v1/health/database').expect(200);
  });
});
