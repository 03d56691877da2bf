import type { DataSourceOptions } from 'typeorm';
import { DEFAULT_DATABASE_POOL_SIZE } from '../config/app-config';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** Connection URL of the embedded PostgreSQL that `npm start` runs when DATABASE_URL is unset. */
export const EMBEDDED_DEV_DATABASE_URL = 'postgres://postgres:postgres@127.0.0.1:54329/stripe_config';

/**
 * The single description of our database, shared by the app (src/database) and the TypeORM CLI (ormconfig.ts).
 * `poolSize`: the app passes its validated DATABASE_POOL_SIZE; the CLI reads the variable itself.
 */
export function buildDataSourceOptions(url: string, options: { poolSize?: number } = {}): DataSourceOptions {
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
      // Instances × pool size must stay below the server's max_connections (see docs/scaling.md).
      max: options.poolSize ?? (Number(process.env.DATABASE_POOL_SIZE) || DEFAULT_DATABASE_POOL_SIZE),
      // Fail fast instead of queueing forever when the database is unreachable.
      connectionTimeoutMillis: 2000,
    },
  };
}
