import { Module } from '@nestjs/common';
import { PaymentsModule } from '../payments/payments.module';
import { ProjectsModule } from '../projects/projects.module';
import { StripeConfigModule } from '../stripe-config/stripe-config.module';
import { StripeWebhookEventsRepository } from './stripe-webhook-events.repository';
import { StripeWebhookReceiverController, StripeWebhooksController } from './stripe-webhooks.controller';
import { StripeWebhooksService } from './stripe-webhooks.service';
import { WebhookBodySlots } from './webhook-body-slots';
import { WebhookProjectGates } from './webhook-project-gates';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhookDeliveryConfirmer } from './webhook-delivery-confirmer';
import { WebhookEventRetention } from './webhook-event-retention';
import { WebhookFailureCounter } from './webhook-failure-counter';
import { WebhookFailureCountsRepository } from './webhook-failure-counts.repository';
import { WebhookSetupLockRepository } from './webhook-setup-lock.repository';

/** Stripe's deliveries (signature-verified receiver), the received events, and webhook endpoint setup. */
@Module({
  imports: [ProjectsModule, StripeConfigModule, PaymentsModule],
  controllers: [StripeWebhookReceiverController, StripeWebhooksController],
  providers: [
    StripeWebhooksService,
    StripeWebhookEventsRepository,
    WebhookEndpointsService,
    WebhookSetupLockRepository,
    WebhookBodySlots,
    WebhookProjectGates,
    WebhookFailureCounter,
    WebhookFailureCountsRepository,
    WebhookDeliveryConfirmer,
    WebhookEventRetention,
  ],
  exports: [WebhookFailureCounter, WebhookDeliveryConfirmer, StripeWebhookEventsRepository],
})
export class StripeWebhooksModule {}
