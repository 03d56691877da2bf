import { Module } from '@nestjs/common';
import { StripeConfigRepository } from './stripe-config.repository';

/**
 * The repository of stripe_configs alone, so that CredentialsModule (which stores through it) and
 * StripeConfigModule (which uses CredentialsModule) share it without a module cycle.
 */
@Module({
  providers: [StripeConfigRepository],
  exports: [StripeConfigRepository],
})
export class StripeConfigDataModule {}
