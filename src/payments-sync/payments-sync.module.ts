import { Module } from '@nestjs/common';
import { ProjectsModule } from '../projects/projects.module';
import { StripeConfigModule } from '../stripe-config/stripe-config.module';
import { StripeModule } from '../stripe/stripe.module';
import { StripeWebhooksModule } from '../stripe-webhooks/stripe-webhooks.module';
import { LedgerJobs } from './ledger-jobs';
import { PaymentsModule } from '../payments/payments.module';
import { LedgerSweepRepository } from './ledger-sweep.repository';
import { LedgerSweepService } from './ledger-sweep.service';
import { LedgerSyncController } from './ledger-sync.controller';
import { LedgerSyncRepository } from './ledger-sync.repository';
import { LedgerSyncService } from './ledger-sync.service';
import { LedgerStripeReader } from './ledger-sync.stripe';

/**
 * The ledger's background work: the history import (sync API and jobs), the sweep of Stripe's event
 * list, and their job queue. Exports the sweep repository for the health report.
 */
@Module({
  imports: [ProjectsModule, StripeModule, StripeConfigModule, StripeWebhooksModule, PaymentsModule],
  controllers: [LedgerSyncController],
  providers: [
    LedgerJobs,
    LedgerStripeReader,
    LedgerSyncRepository,
    LedgerSyncService,
    LedgerSweepRepository,
    LedgerSweepService,
  ],
  exports: [LedgerSweepRepository],
})
export class PaymentsSyncModule {}
