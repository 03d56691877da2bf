import { DynamicModule, Global, type INestApplication, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { AppLogger, logRequestCompleted, ROOT_LOGGER } from './app-logger';
import { buildLoggerOptions } from './logger-options';

/**
 * Structured JSON logging: one root pino logger (see buildLoggerOptions) for Nest's own logs
 * (AppLogger) and the per-request line (logRequestCompleted, a Fastify hook), both installed on the
 * app by `LoggingModule.install`.
 */
@Global()
@Module({})
export class LoggingModule {
  /**
   * `destination`: where lines go (stdout; tests capture them). `secretFields`: body fields the
   * features declare secret, censored in any logged object besides the generic SECRET_FIELDS.
   */
  static forRoot(
    config: AppConfig,
    options: { destination?: DestinationStream; secretFields?: readonly string[] } = {},
  ): DynamicModule {
    const root = pino(buildLoggerOptions(config, options.secretFields), options.destination ?? process.stdout);
    return {
      module: LoggingModule,
      providers: [
        { provide: ROOT_LOGGER, useValue: root },
        { provide: AppLogger, useValue: new AppLogger(root) },
      ],
      exports: [ROOT_LOGGER, AppLogger],
    };
  }

  /** Nest's own logs through pino, and one line per request once its response is sent (see logRequestCompleted). */
  static install(app: NestFastifyApplication & INestApplication): void {
    app.useLogger(app.get(AppLogger));
    // Nest flushes its start-up buffer only on listen(); tests that only init() would lose it.
    app.flushLogs();
    const root = app.get<PinoLogger>(ROOT_LOGGER);
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onResponse', (request, reply, done) => {
        logRequestCompleted(root, request, reply);
        done();
      });
  }
}
