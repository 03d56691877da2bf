import { Module } from '@nestjs/common';
import { CredentialsService } from '../credentials/credentials.service';
import { ProjectsModule } from '../projects/projects.module';
import { StripeModule } from '../stripe/stripe.module';
import { StripeConfigCredentials } from './stripe-config-credentials';
import { StripeConfigController } from './stripe-config.controller';
import { StripeConfigRepository } from './stripe-config.repository';
import { StripeConfigService } from './stripe-config.service';

/**
 * The configuration API and the owner of stripe_configs (StripeConfigRepository, every statement on
 * it). Registers the table's ciphertexts for key rotation.
 */
@Module({
  imports: [ProjectsModule, StripeModule],
  controllers: [StripeConfigController],
  providers: [StripeConfigService, StripeConfigRepository, StripeConfigCredentials],
  exports: [StripeConfigService, StripeConfigRepository, StripeConfigCredentials, StripeModule],
})
export class StripeConfigModule {
  constructor(credentials: CredentialsService, repository: StripeConfigRepository) {
    credentials.registerCiphertextStore(repository);
  }
}
