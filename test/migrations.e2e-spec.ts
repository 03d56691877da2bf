import { DataSource } from 'typeorm';
import { appDataSourceOptions } from '../src/app.entities';
import { createTestDatabase } from './helpers/test-app';

describe('Migrations (e2e)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = new DataSource(appDataSourceOptions(database.url));
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  it('create the whole schema on an empty database', async () => {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    expect(applied.length).toBeGreaterThan(0);
    const tables = await dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(tables.map((t: { table_name: string }) => t.table_name)).toEqual(
      expect.arrayContaining(['migrations', 'projects', 'stripe_configs', 'users']),
    );
  });

  it('match the entities exactly: generating a new migration would yield nothing', async () => {
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('enforce at most one Stripe config per project with a unique constraint', async () => {
    const constraints = await dataSource.query(
      `SELECT conname FROM pg_constraint WHERE conrelid = 'stripe_configs'::regclass AND contype = 'u'`,
    );
    expect(constraints.map((c: { conname: string }) => c.conname)).toContain('UQ_stripe_configs_project_id');
  });

  it('revert cleanly', async () => {
    for (let i = 0; i < dataSource.migrations.length; i++) await dataSource.undoLastMigration();
    const tables = await dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'`,
    );
    expect(tables).toEqual([]);
  });
});
