import { LedgerPayment } from './ledger-payment.entity';
import { LedgerProductName } from './ledger-product-name.entity';
import { LedgerProjectionFailure } from './ledger-projection-failure.entity';
import { LedgerSubscription } from './ledger-subscription.entity';

/** The payments ledger's tables (for the composition root's entity list). */
export const LEDGER_ENTITIES = [LedgerSubscription, LedgerPayment, LedgerProductName, LedgerProjectionFailure];
