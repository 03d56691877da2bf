import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import pino from 'pino';
import { createApp } from './app.setup';
import { installGracefulShutdown } from './common/lifecycle/graceful-shutdown';
import { maskSecretsInText } from './credentials/mask';
import { AppConfig, ConfigError, LOG_LEVELS, loadConfig, type LogLevel } from './config/app-config';

/**
 * Start-up lines, before the app's own pino logger exists: JSON lines on stdout like every other log
 * line (a configuration error included), in the shape AppLogger gives Nest's logs.
 */
const requestedLevel = (process.env.LOG_LEVEL ?? '').trim().toLowerCase() as LogLevel;
const startupLog = pino({ level: LOG_LEVELS.includes(requestedLevel) ? requestedLevel : 'info' }).child({
  context: 'Bootstrap',
});

async function resolveDatabase(config: AppConfig): Promise<void> {
  if (config.databaseUrl) return;
  startupLog.info(
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
  let config: AppConfig;
  try {
    config = loadConfig(process.env, (notice) => startupLog.warn(notice));
  } catch (error) {
    if (error instanceof ConfigError) {
      startupLog.fatal(error.message);
      startupLog.flush();
      process.exit(1);
    }
    throw error;
  }
  await resolveDatabase(config);
  const app = await createApp(config);
  const logger = new Logger('Bootstrap');
  installGracefulShutdown(app, logger, { timeoutMs: config.shutdownTimeoutMs });
  await app.listen(config.port, config.host);
  logger.log(`Listening on http://localhost:${config.port} (Swagger UI at /docs)`);
}

bootstrap().catch((error: unknown) => {
  // E.g. the database refused every attempt: one JSON line (masked), then exit 1.
  const { name, message, stack } = error instanceof Error ? error : new Error(String(error));
  startupLog.fatal(maskSecretsInText(`Start-up failed: ${name}: ${message}\n${stack ?? ''}`));
  startupLog.flush();
  process.exit(1);
});
