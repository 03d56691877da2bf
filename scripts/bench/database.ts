/**
 * The database of a run: a fresh `bench_<random>` database on DATABASE_URL's server (dropped at the
 * end), or else a throw-away embedded PostgreSQL under .data/ (deleted at the end).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { startThrowawayEmbeddedPostgres } from '../../src/database/embedded-postgres';

export interface BenchDatabase {
  url: string;
  kind: 'embedded' | 'DATABASE_URL';
  serverVersion: string;
  drop(): Promise<void>;
}

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function provisionDatabase(root: string, databaseUrl = process.env.DATABASE_URL): Promise<BenchDatabase> {
  let adminUrl: string;
  let url: string;
  let drop: () => Promise<void>;
  if (databaseUrl) {
    const name = `bench_${randomBytes(4).toString('hex')}`;
    adminUrl = databaseUrl;
    await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
    const parsed = new URL(databaseUrl);
    parsed.pathname = `/${name}`;
    url = parsed.toString();
    drop = () => withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {});
  } else {
    const pg = await startThrowawayEmbeddedPostgres({
      baseDir: join(root, '.data'),
      prefix: 'bench-pg-',
      database: 'bench',
    });
    adminUrl = pg.adminUrl;
    url = pg.url;
    drop = () => pg.stop();
  }
  const serverVersion = await withClient(adminUrl, async (c) => {
    const { rows } = await c.query<{ server_version: string }>('SHOW server_version');
    return rows[0].server_version;
  });
  return { url, kind: databaseUrl ? 'DATABASE_URL' : 'embedded', serverVersion, drop };
}
