import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/database/embedded-postgres';

declare global {
  var __EMBEDDED_PG__: { handle: EmbeddedPostgresHandle; runDir: string } | undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
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
  const baseDir = join(process.cwd(), '.data');
  mkdirSync(baseDir, { recursive: true });
  const runDir = mkdtempSync(join(baseDir, 'test-run-'));
  // The server runs as the `postgres` OS user when we are root: it must be able to enter the folder.
  chmodSync(runDir, 0o755);
  const handle = await startEmbeddedPostgres({
    dataDir: join(runDir, 'postgres'),
    port: await freePort(),
    database: 'postgres',
    persistent: false,
  });
  globalThis.__EMBEDDED_PG__ = { handle, runDir };
  process.env.TEST_DATABASE_ADMIN_URL = handle.adminUrl;
}
