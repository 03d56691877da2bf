import { Global, Module } from '@nestjs/common';
import { credentialsConfig, type CredentialsConfig } from '../../credentials/credentials.config';
import { CredentialCipher } from './credential-cipher';

@Global()
@Module({
  providers: [
    {
      provide: CredentialCipher,
      inject: [credentialsConfig.KEY],
      useFactory: (c: CredentialsConfig) => new CredentialCipher(c.encryptionKeys),
    },
  ],
  exports: [CredentialCipher],
})
export class CryptoModule {}
