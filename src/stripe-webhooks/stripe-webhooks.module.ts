import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { ProjectsModule } from '../projects/projects.module';
import { StripeConfigModule } from '../stripe-config/stripe-config.module';
import { StripeWebhookEvent } from './stripe-webhook-event.entity';
import { StripeWebhookEventsRepository } from './stripe-webhook-events.repository';
import { StripeWebhookReceiverController, StripeWebhooksController } from './stripe-webhooks.controller';
import { StripeWebhooksService } from './stripe-webhooks.service';
import { WebhookBodySlots } from './webhook-body-slots';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhookFailureCounter } from './webhook-failure-counter';
import { WebhookSetupLockRepository } from './webhook-setup-lock.repository';

/** Stripe's deliveries (signature-verified receiver), the received events, and webhook endpoint setup. */
@Module({
  imports: [TypeOrmModule.forFeature([StripeWebhookEvent]), ProjectsModule, StripeConfigModule, AuditModule],
  controllers: [StripeWebhookReceiverController, StripeWebhooksController],
  providers: [
    StripeWebhooksService,
    StripeWebhookEventsRepository,
    WebhookEndpointsService,
    WebhookSetupLockRepository,
    WebhookBodySlots,
    WebhookFailureCounter,
  ],
  exports: [WebhookFailureCounter],
})
export class StripeWebhooksModule {}
