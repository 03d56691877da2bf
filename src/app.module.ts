import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { AuthModule } from './auth/auth.module';
import { CryptoModule } from './common/crypto/crypto.module';
import { ApiExceptionFilter } from './common/filters/api-exception.filter';
import { MaskingInterceptor } from './common/interceptors/masking.interceptor';
import { ApiValidationPipe } from './common/pipes/api-validation.pipe';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { ProjectsModule } from './projects/projects.module';
import { StripeConfigModule } from './stripe-config/stripe-config.module';
import { StripeWebhooksModule } from './stripe-webhooks/stripe-webhooks.module';

/** The whole service; built from an already validated configuration (see main.ts and test helpers). */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        CryptoModule,
        AuthModule,
        ProjectsModule,
        StripeConfigModule,
        StripeWebhooksModule,
      ],
      providers: [
        { provide: APP_PIPE, useClass: ApiValidationPipe },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: APP_INTERCEPTOR, useClass: MaskingInterceptor },
      ],
    };
  }
}
