import { Module } from '@nestjs/common';
import { ProjectsModule } from '../projects/projects.module';
import { StripeConfigModule } from '../stripe-config/stripe-config.module';
import { LedgerPaymentsRepository } from './ledger-payments.repository';
import { LedgerProductNamesRepository } from './ledger-product-names.repository';
import { LedgerProjectionFailuresRepository } from './ledger-projection-failures.repository';
import { LedgerProjector } from './ledger-projector';
import { LedgerSubscriptionsRepository } from './ledger-subscriptions.repository';
import { PaymentsController, ProjectPaymentsController } from './payments.controller';
import { PaymentsService } from './payments.service';
import { LedgerLookups } from './ledger-lookups';

/**
 * The payments ledger: the subscriptions and payments of each project, projected from its Stripe
 * events (LedgerProjector, called by the webhook receiver in the delivery's transaction, and by
 * rebuild and sync), and the operations that list them.
 */
@Module({
  imports: [ProjectsModule, StripeConfigModule],
  controllers: [ProjectPaymentsController, PaymentsController],
  providers: [
    LedgerProjector,
    LedgerSubscriptionsRepository,
    LedgerPaymentsRepository,
    LedgerProductNamesRepository,
    LedgerProjectionFailuresRepository,
    LedgerLookups,
    PaymentsService,
  ],
  exports: [LedgerProjector, LedgerProjectionFailuresRepository, LedgerLookups],
})
export class PaymentsModule {}
