import { DynamicModule, Global, type INestApplication, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LoggingConfig } from './logging.config';
import { AppLogger, logRequestCompleted, REQUEST_LOGGER, ROOT_LOGGER } from './app-logger';
import { buildLoggerOptions, buildRequestLoggerOptions } from './logger-options';

/** How long a log line may wait in the buffer of the default destination (stdout) before it is written. */
const LOG_FLUSH_INTERVAL_MS = 250;

/**
 * stdout through pino's own SonicBoom, asynchronous and buffered: under load many lines go out in one
 * write instead of one blocking write(2) per line (its cost per request: docs/benchmarks.md).
 * Lines wait at most LOG_FLUSH_INTERVAL_MS or until 4 KB are buffered; pino flushes the buffer
 * synchronously when the process exits (also on process.exit in graceful shutdown and on a crash).
 */
function bufferedStdout(): DestinationStream {
  const stream = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => stream.flush(), LOG_FLUSH_INTERVAL_MS).unref();
  return stream;
}

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
    config: LoggingConfig,
    options: { destination?: DestinationStream; secretFields?: readonly string[] } = {},
  ): DynamicModule {
    const stream = options.destination ?? bufferedStdout();
    const root = pino(buildLoggerOptions(config, options.secretFields), stream);
    return {
      module: LoggingModule,
      providers: [
        { provide: ROOT_LOGGER, useValue: root },
        // Same destination; for the one line per request only, whose fields logRequestCompleted sanitizes itself.
        { provide: REQUEST_LOGGER, useValue: pino(buildRequestLoggerOptions(config), stream) },
        { provide: AppLogger, useValue: new AppLogger(root) },
      ],
      exports: [ROOT_LOGGER, REQUEST_LOGGER, AppLogger],
    };
  }

  /** Nest's own logs through pino, and one line per request once its response is sent (see logRequestCompleted). */
  static install(app: NestFastifyApplication & INestApplication): void {
    app.useLogger(app.get(AppLogger));
    // Nest flushes its start-up buffer only on listen(); tests that only init() would lose it.
    app.flushLogs();
    const requestLines = app.get<PinoLogger>(REQUEST_LOGGER);
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onResponse', (request, reply, done) => {
        logRequestCompleted(requestLines, request, reply);
        done();
      });
  }
}
