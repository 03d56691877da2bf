import { DynamicModule, Module } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { DestinationStream } from 'pino';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CredentialsModule } from './credentials/credentials.module';
import { ApiExceptionFilter } from './common/filters/api-exception.filter';
import { MaskingInterceptor } from './common/interceptors/masking.interceptor';
import { LoggingModule } from './common/logging/logging.module';
import { ApiValidationPipe } from './common/pipes/api-validation.pipe';
import { RateLimitModule } from './common/rate-limit/rate-limit.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { ProjectsModule } from './projects/projects.module';
import { StripeConfigModule } from './stripe-config/stripe-config.module';
import { StripeHealthModule } from './stripe-health/stripe-health.module';
import { StripeWebhooksModule } from './stripe-webhooks/stripe-webhooks.module';

/** Infrastructure that tests or a deployment may swap: where logs go, where rate-limit counters live. */
export interface AppModuleOptions {
  logDestination?: DestinationStream;
  throttlerStorage?: ThrottlerStorage;
}

/** The whole service; built from an already validated configuration (see main.ts and test helpers). */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config, options.logDestination),
        RateLimitModule.forRoot(config, options.throttlerStorage),
        DatabaseModule,
        HealthModule,
        CredentialsModule,
        AuthModule,
        ProjectsModule,
        StripeConfigModule,
        AuditModule,
        StripeWebhooksModule,
        StripeHealthModule,
      ],
      providers: [
        { provide: APP_PIPE, useClass: ApiValidationPipe },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: APP_INTERCEPTOR, useClass: MaskingInterceptor },
      ],
    };
  }
}
