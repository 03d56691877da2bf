import { type DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { databaseConfig, type DatabaseConfig } from './database.config';
import { buildDataSourceOptions, type EntityList } from './data-source-options';
import { runMigrationsExclusively } from './run-migrations';
import { SqlClient } from './sql-client';

/**
 * The database connection, and SqlClient for hot-path raw statements (global: every feature uses it).
 * The entities are the composition root's (src/app.entities.ts): this module knows no feature.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(entities: EntityList): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [databaseConfig.KEY],
          useFactory: (config: DatabaseConfig) => {
            return {
              ...buildDataSourceOptions(config.url, {
                entities,
                poolSize: config.poolSize,
                deadlines: config.deadlines,
              }),
              // Migrations are applied by the factory below, not by TypeORM's own `migrationsRun`.
              migrationsRun: false,
              retryAttempts: 3,
              retryDelay: 1000,
            };
          },
          // Pending migrations are applied at start-up, each in its own transaction, under an advisory
          // lock so that several instances starting at once apply them once (see run-migrations.ts).
          // They run on a connection of their own without the request deadlines: waiting for another
          // instance's migrations, or a long migration, is not a hung request.
          dataSourceFactory: async (options) => {
            const { url } = options as { url: string };
            const migrator = await new DataSource(buildDataSourceOptions(url, { entities, poolSize: 1 })).initialize();
            try {
              await runMigrationsExclusively(migrator);
            } finally {
              await migrator.destroy().catch(() => undefined);
            }
            return new DataSource(options as DataSourceOptions).initialize();
          },
        }),
      ],
      providers: [SqlClient],
      exports: [SqlClient],
    };
  }
}
