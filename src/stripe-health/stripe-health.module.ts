import { Module } from '@nestjs/common';
import { PaymentsModule } from '../payments/payments.module';
import { ProjectsModule } from '../projects/projects.module';
import { StripeConfigModule } from '../stripe-config/stripe-config.module';
import { StripeWebhooksModule } from '../stripe-webhooks/stripe-webhooks.module';
import { PaymentsSyncModule } from '../payments-sync/payments-sync.module';
import { HealthCheckScheduler } from './health-check.scheduler';
import { StripeHealthChecker } from './stripe-health.checker';
import { StripeHealthController } from './stripe-health.controller';
import { StripeHealthRepository } from './stripe-health.repository';
import { StripeHealthService } from './stripe-health.service';

/** Integration health: the report, its refresh, and the background re-validation of stored keys. */
@Module({
  imports: [ProjectsModule, StripeConfigModule, StripeWebhooksModule, PaymentsModule, PaymentsSyncModule],
  controllers: [StripeHealthController],
  providers: [StripeHealthService, StripeHealthRepository, StripeHealthChecker, HealthCheckScheduler],
})
export class StripeHealthModule {}
