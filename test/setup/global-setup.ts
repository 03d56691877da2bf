import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';
import { appDataSourceOptions } from '../../src/app.entities';
import { startThrowawayEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/database/embedded-postgres';
import { JOB_SCHEMA } from '../../src/payments-sync/ledger-jobs';

declare global {
  var __EMBEDDED_PG__: EmbeddedPostgresHandle | undefined;
}

function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * One PostgreSQL for the whole run: the server in DATABASE_URL when set, otherwise an embedded one
 * started here (throw-away data folder under .data/). Each test file then creates its own databases
 * on it (test/helpers/test-app.ts), so files never see each other's rows.
 *
 * Migrations run once, here, into a template database: an app's database is then a copy of it
 * (`CREATE DATABASE ... TEMPLATE`, milliseconds) instead of migrating again in every file.
 */
export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const handle = await startThrowawayEmbeddedPostgres({
      baseDir: join(process.cwd(), '.data'),
      prefix: 'test-run-',
      database: 'postgres',
    });
    globalThis.__EMBEDDED_PG__ = handle;
    adminUrl = handle.adminUrl;
  }
  process.env.TEST_DATABASE_ADMIN_URL = adminUrl;

  const template = `scs_template_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${template}`);
  } finally {
    await admin.end();
  }
  // Set before migrating, so that the teardown drops it even when a migration fails.
  process.env.TEST_DATABASE_TEMPLATE = template;
  const dataSource = new DataSource({ ...appDataSourceOptions(databaseUrl(adminUrl, template)), logging: false });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
    // The job queue's own schema (pg-boss creates it at start-up when missing): made once here, so
    // that each test database copied from the template finds it instead of creating it (~150 ms).
    await dataSource.query(PgBoss.getConstructionPlans(JOB_SCHEMA));
  } finally {
    // CREATE DATABASE ... TEMPLATE needs the template to have no open connection.
    await dataSource.destroy();
  }
}
