import { DynamicModule, Global, Module } from '@nestjs/common';
import pino, { type DestinationStream } from 'pino';
import type { LoggingConfig } from './logging.config';
import { AppLogger, ROOT_LOGGER } from './app-logger';
import { buildLoggerOptions } from './logger-options';

/**
 * Structured JSON logging: one root pino logger (see buildLoggerOptions) for Nest's own logs
 * (AppLogger, installed by createApp) and the per-request line (logRequestCompleted, a Fastify hook
 * installed by configureApp).
 */
@Global()
@Module({})
export class LoggingModule {
  static forRoot(config: LoggingConfig, destination?: DestinationStream): DynamicModule {
    const root = pino(buildLoggerOptions(config), destination ?? process.stdout);
    return {
      module: LoggingModule,
      providers: [
        { provide: ROOT_LOGGER, useValue: root },
        { provide: AppLogger, useValue: new AppLogger(root) },
      ],
      exports: [ROOT_LOGGER, AppLogger],
    };
  }
}
