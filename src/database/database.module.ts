import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { buildDataSourceOptions } from './data-source-options';
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
          ...buildDataSourceOptions(config.databaseUrl),
          // Pending migrations are applied at start-up, each in its own transaction.
          migrationsRun: true,
          migrationsTransactionMode: 'each',
          retryAttempts: 3,
          retryDelay: 1000,
        };
      },
    }),
  ],
  providers: [SqlClient],
  exports: [SqlClient],
})
export class DatabaseModule {}
