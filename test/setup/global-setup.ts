import { join } from 'node:path';
import { startThrowawayEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/database/embedded-postgres';

declare global {
  var __EMBEDDED_PG__: EmbeddedPostgresHandle | undefined;
}

/**
 * One PostgreSQL for the whole run: the server in DATABASE_URL when set, otherwise an embedded one
 * started here (throw-away data folder under .data/). Each test file then creates its own database
 * on it (test/helpers/test-app.ts), so files never see each other's rows.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.TEST_DATABASE_ADMIN_URL = process.env.DATABASE_URL;
    return;
  }
  const handle = await startThrowawayEmbeddedPostgres({
    baseDir: join(process.cwd(), '.data'),
    prefix: 'test-run-',
    database: 'postgres',
  });
  globalThis.__EMBEDDED_PG__ = handle;
  process.env.TEST_DATABASE_ADMIN_URL = handle.adminUrl;
}
