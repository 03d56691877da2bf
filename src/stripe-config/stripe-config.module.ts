import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { ProjectsModule } from '../projects/projects.module';
import { StripeApiClient } from './stripe-api.client';
import { StripeConfigController } from './stripe-config.controller';
import { StripeConfig } from './stripe-config.entity';
import { StripeConfigRepository } from './stripe-config.repository';
import { StripeConfigService } from './stripe-config.service';

@Module({
  imports: [TypeOrmModule.forFeature([StripeConfig]), ProjectsModule, AuditModule],
  controllers: [StripeConfigController],
  providers: [StripeConfigService, StripeConfigRepository, StripeApiClient],
  exports: [StripeConfigService, StripeConfigRepository, StripeApiClient],
})
export class StripeConfigModule {}
