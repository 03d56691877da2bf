import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { buildDataSourceOptions } from './data-source-options';
import { runMigrationsExclusively } from './run-migrations';
import { SqlClient } from './sql-client';

/** The database connection, and SqlClient for hot-path raw statements (global: every feature uses it). */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        if (!config.databaseUrl) throw new Error('DATABASE_URL was not resolved before the app started');
        return {
          ...buildDataSourceOptions(config.databaseUrl, { poolSize: config.databasePoolSize }),
          // Migrations are applied by the factory below, not by TypeORM's own `migrationsRun`.
          migrationsRun: false,
          retryAttempts: 3,
          retryDelay: 1000,
        };
      },
      // Pending migrations are applied at start-up, each in its own transaction, under an advisory
      // lock so that several instances starting at once apply them once (see run-migrations.ts).
      dataSourceFactory: async (options) => {
        const dataSource = await new DataSource(options as DataSourceOptions).initialize();
        try {
          await runMigrationsExclusively(dataSource);
        } catch (error) {
          await dataSource.destroy().catch(() => undefined);
          throw error;
        }
        return dataSource;
      },
    }),
  ],
  providers: [SqlClient],
  exports: [SqlClient],
})
export class DatabaseModule {}
