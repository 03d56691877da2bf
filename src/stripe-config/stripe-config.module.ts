import { Module } from '@nestjs/common';
import { ProjectsModule } from '../projects/projects.module';
import { StripeApiClient } from './stripe-api.client';
import { StripeConfigDataModule } from './stripe-config-data.module';
import { StripeConfigController } from './stripe-config.controller';
import { StripeConfigService } from './stripe-config.service';

@Module({
  imports: [StripeConfigDataModule, ProjectsModule],
  controllers: [StripeConfigController],
  providers: [StripeConfigService, StripeApiClient],
  exports: [StripeConfigService, StripeConfigDataModule, StripeApiClient],
})
export class StripeConfigModule {}
