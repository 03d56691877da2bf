import { Global, Module } from '@nestjs/common';
import { CredentialCipher } from './credential-cipher';
import { credentialsConfig, type CredentialsConfig } from './credentials.config';
import { CredentialsService } from './credentials.service';

/**
 * Stored secrets as a service: the cipher and its key ring (ENCRYPTION_KEYS), masking, fingerprints,
 * key rotation. It knows no table and imports no feature: each feature's repository keeps its own
 * ciphertext columns, gives the associated data of each value, and registers itself for rotation
 * (CredentialsService.registerCiphertextStore). Nothing else encrypts or decrypts.
 */
@Global()
@Module({
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
