import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** Connection URL of the embedded PostgreSQL that `npm start` runs when DATABASE_URL is unset. */
export const EMBEDDED_DEV_DATABASE_URL = 'postgres://postgres:postgres@127.0.0.1:54329/stripe_config';

/** The single description of our database, shared by the app (src/database) and the TypeORM CLI (ormconfig.ts). */
export function buildDataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    // The schema is owned by migrations only.
    synchronize: false,
    // gen_random_uuid() is built into PostgreSQL 13+: no extension to install.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    extra: {
      max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
      // Fail fast instead of queueing forever when the database is unreachable.
      connectionTimeoutMillis: 2000,
    },
  };
}
