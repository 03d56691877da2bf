import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { AppConfig } from '../../config/app-config';
import { buildLoggerParams } from './logger-options';

/** Structured JSON logging (nestjs-pino over pino-http); see buildLoggerParams. */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig, destination?: DestinationStream): DynamicModule {
    return { module: LoggingModule, imports: [LoggerModule.forRoot(buildLoggerParams(config, destination))] };
  }
}
