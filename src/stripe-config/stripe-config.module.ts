import { Module } from '@nestjs/common';
import { ProjectsModule } from '../projects/projects.module';
import { StripeModule } from '../stripe/stripe.module';
import { StripeConfigDataModule } from './stripe-config-data.module';
import { StripeConfigController } from './stripe-config.controller';
import { StripeConfigService } from './stripe-config.service';

@Module({
  imports: [StripeConfigDataModule, ProjectsModule, StripeModule],
  controllers: [StripeConfigController],
  providers: [StripeConfigService],
  exports: [StripeConfigService, StripeConfigDataModule, StripeModule],
})
export class StripeConfigModule {}
