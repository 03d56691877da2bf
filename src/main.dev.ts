import 'reflect-metadata';
import { runService, startupLog } from './bootstrap';
import { loadConfig } from './app.config';
import { isProduction } from './config/config-area';
import { developmentDatabase, startEmbeddedPostgres } from './database/embedded-postgres';

/**
 * `npm start`: the service as main.ts runs it, on a PostgreSQL of its own when DATABASE_URL is unset
 * (outside production): the configuration is validated with the URL of the embedded PostgreSQL
 * (EMBEDDED_POSTGRES_PORT, data in DATA_DIR; the `embedded-postgres` dev dependency), which is then
 * started before the app connects. Nothing is started when the configuration is invalid.
 */
runService(async (onNotice) => {
  const env = process.env;
  const problems: string[] = [];
  const database = developmentDatabase(env, problems);
  const embedded = !env.DATABASE_URL && !isProduction(env);
  const config = loadConfig(embedded ? { ...env, DATABASE_URL: database.url } : env, onNotice, problems);
  if (embedded) {
    startupLog.info(
      `DATABASE_URL is not set: starting the embedded PostgreSQL on 127.0.0.1:${database.port} (data in ${database.dataDir})`,
    );
    await startEmbeddedPostgres(database);
  }
  return config;
});
