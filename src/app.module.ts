import { DynamicModule, Module } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { DestinationStream } from 'pino';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CredentialsModule } from './credentials/credentials.module';
import { LoggingModule } from './logging/logging.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { type AppConfig, CONFIG_AREAS } from './app.config';
import { APP_ENTITIES } from './app.entities';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { HttpWireModule } from './http/http-wire.module';
import { ProjectsModule } from './projects/projects.module';
import { StripeConfigModule } from './stripe-config/stripe-config.module';
import { CREDENTIAL_FIELDS } from './stripe/stripe-keys';
import { StripeHealthModule } from './stripe-health/stripe-health.module';
import { StripeWebhooksModule } from './stripe-webhooks/stripe-webhooks.module';
import { PaymentsModule } from './payments/payments.module';
import { PaymentsSyncModule } from './payments-sync/payments-sync.module';

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
        ConfigModule.forRoot(CONFIG_AREAS, config),
        HttpWireModule,
        // The Stripe credential fields are secrets wherever they appear in a logged object.
        LoggingModule.forRoot(config.logging, { destination: options.logDestination, secretFields: CREDENTIAL_FIELDS }),
        RateLimitModule.forRoot(config.rateLimits, options.throttlerStorage),
        DatabaseModule.forRoot(APP_ENTITIES),
        HealthModule,
        CredentialsModule,
        AuthModule,
        ProjectsModule,
        StripeConfigModule,
        AuditModule,
        StripeWebhooksModule,
        StripeHealthModule,
        PaymentsModule,
        PaymentsSyncModule,
      ],
    };
  }
}
