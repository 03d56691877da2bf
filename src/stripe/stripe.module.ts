import { Module } from '@nestjs/common';
import { StripeApiClient } from './stripe-api.client';

/**
 * Stripe's API as this service uses it: the HTTP client (deadlines, error mapping, masked messages).
 * Imported by every feature that calls Stripe (config, webhooks, health, payments); imports no feature.
 */
@Module({
  providers: [StripeApiClient],
  exports: [StripeApiClient],
})
export class StripeModule {}
