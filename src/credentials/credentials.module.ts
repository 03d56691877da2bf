import { Global, Module } from '@nestjs/common';
// eslint-disable-next-line no-restricted-imports -- layer exception: house-data moves this out (credentials knows no table); remove the disable then
import { StripeConfigDataModule } from '../stripe-config/stripe-config-data.module';
import { CredentialCipher } from './credential-cipher';
import { credentialsConfig, type CredentialsConfig } from './credentials.config';
import { CredentialsService } from './credentials.service';

/**
 * The stored Stripe credentials as a domain: the cipher and its key ring (ENCRYPTION_KEYS), the
 * associated-data convention, masking, storing a webhook signing secret, key rotation. Everything else
 * calls CredentialsService; nothing else encrypts, decrypts or reads a ciphertext column.
 */
@Global()
@Module({
  imports: [StripeConfigDataModule],
  providers: [
    {
      provide: CredentialCipher,
      inject: [credentialsConfig.KEY],
      useFactory: (c: CredentialsConfig) => new CredentialCipher(c.encryptionKeys),
    },
    CredentialsService,
  ],
  exports: [CredentialsService],
})
export class CredentialsModule {}
