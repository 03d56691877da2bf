import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { createApp } from './app.setup';
import { installGracefulShutdown } from './common/lifecycle/graceful-shutdown';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';

async function resolveDatabase(config: AppConfig, logger: Logger): Promise<void> {
  if (config.databaseUrl) return;
  logger.log(
    `DATABASE_URL is not set: starting the embedded PostgreSQL on 127.0.0.1:${config.embeddedPostgresPort} (data in ${join(config.dataDir, 'postgres')})`,
  );
  // Loaded only when needed: with DATABASE_URL set, start-up skips it (part of the start-up budget, docs/benchmarks.md).
  const { startEmbeddedPostgres } = await import('./database/embedded-postgres');
  const embedded = await startEmbeddedPostgres({
    dataDir: join(config.dataDir, 'postgres'),
    port: config.embeddedPostgresPort,
    database: 'stripe_config',
    persistent: true,
  });
  config.databaseUrl = embedded.url;
}

async function bootstrap(): Promise<void> {
  const logger = new Logger('Bootstrap');
  let config: AppConfig;
  try {
    config = loadConfig(process.env, (notice) => logger.warn(notice));
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  await resolveDatabase(config, logger);
  const app = await createApp(config);
  installGracefulShutdown(app, logger, { timeoutMs: config.shutdownTimeoutMs });
  await app.listen(config.port, config.host);
  logger.log(`Listening on http://localhost:${config.port} (Swagger UI at /docs)`);
}

void bootstrap();
