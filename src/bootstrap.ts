import { Logger } from '@nestjs/common';
import pino from 'pino';
import { createApp } from './app.setup';
import { installGracefulShutdown } from './http/graceful-shutdown';
import { parseLogLevel } from './logging/logging.config';
import { maskSecretsInText } from './stripe/key-masking';
import type { AppConfig } from './app.config';
import { ConfigError } from './config/config-area';

/**
 * Start-up lines, before the app's own pino logger exists: JSON lines on stdout like every other log
 * line (a configuration error included), in the shape AppLogger gives Nest's logs.
 */
export const startupLog = pino({ level: parseLogLevel(process.env.LOG_LEVEL) ?? 'info' }).child({
  context: 'Bootstrap',
});

/**
 * Runs the service (both entry points, main.ts and main.dev.ts): `prepare` validates the configuration
 * (reporting notices such as generated development secrets) and starts whatever must run first; then
 * the app listens, and drains on SIGTERM/SIGINT. A ConfigError: one fatal JSON line naming every
 * problem, exit 1. Any other failure (e.g. the database refused every attempt): one fatal JSON line
 * (masked), exit 1.
 */
export function runService(prepare: (onNotice: (msg: string) => void) => Promise<AppConfig>): void {
  const start = async (): Promise<void> => {
    const config = await prepare((notice) => startupLog.warn(notice));
    const app = await createApp(config);
    const logger = new Logger('Bootstrap');
    installGracefulShutdown(app, logger, { timeoutMs: config.http.shutdownTimeoutMs });
    await app.listen(config.http.port, config.http.host);
    logger.log(`Listening on http://localhost:${config.http.port} (Swagger UI at /docs)`);
  };
  start().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      startupLog.fatal(error.message);
    } else {
      const { name, message, stack } = error instanceof Error ? error : new Error(String(error));
      startupLog.fatal(maskSecretsInText(`Start-up failed: ${name}: ${message}\n${stack ?? ''}`));
    }
    startupLog.flush();
    process.exit(1);
  });
}
