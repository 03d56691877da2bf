import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { CredentialCipher } from './credential-cipher';

@Global()
@Module({
  providers: [
    {
      provide: CredentialCipher,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => new CredentialCipher(c.encryptionKeys),
    },
  ],
  exports: [CredentialCipher],
})
export class CryptoModule {}
