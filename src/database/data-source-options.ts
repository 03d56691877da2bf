import type { DataSourceOptions, EntitySchema } from 'typeorm';
import { DEFAULT_DATABASE_DEADLINES, DEFAULT_DATABASE_POOL_SIZE, type DatabaseDeadlines } from './database.config';
import { deadlineDriver } from './deadline-pool';
import { MIGRATIONS } from './migrations';

/**
 * How one connection pool is set up. `poolSize`: the app passes its validated DATABASE_POOL_SIZE; the
 * CLI reads the variable itself. `deadlines`: the app's request-serving pool passes them (every
 * statement, lock wait and pool wait bounded, see deadline-pool.ts); without them (migrations, CLI,
 * scripts) only connecting is bounded.
 */
export interface DataSourceSettings {
  poolSize?: number;
  deadlines?: DatabaseDeadlines;
}

/** The entity classes of the service: handed in by the composition root (src/app.entities.ts). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type for an entity class
export type EntityList = readonly (Function | EntitySchema)[];

/**
 * The single description of our database, shared by the app and the TypeORM CLI (ormconfig.ts),
 * both through appDataSourceOptions (src/app.entities.ts), which hands in the entities.
 */
export function buildDataSourceOptions(
  url: string,
  options: DataSourceSettings & { entities: EntityList },
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [...options.entities],
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    // The schema is owned by migrations only.
    synchronize: false,
    // gen_random_uuid() is built into PostgreSQL 13+: no extension to install.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    ...(options.deadlines ? { driver: deadlineDriver(options.deadlines) } : {}),
    extra: {
      // Instances × pool size must stay below the server's max_connections (see docs/scaling.md).
      max: options.poolSize ?? (Number(process.env.DATABASE_POOL_SIZE) || DEFAULT_DATABASE_POOL_SIZE),
      // Fail fast instead of queueing forever when the database is unreachable.
      connectionTimeoutMillis: DEFAULT_DATABASE_DEADLINES.connectTimeoutMs,
    },
  };
}
