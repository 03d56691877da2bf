import type { MixedList } from 'typeorm';
import { InitialSchema1795764336581 } from './1795764336581-InitialSchema';
import { AddAuditLog1795765135633 } from './1795765135633-AddAuditLog';
import { AddStripeWebhooks1795765162818 } from './1795765162818-AddStripeWebhooks';
import { AddRateLimitCounters1795766000000 } from './1795766000000-AddRateLimitCounters';
import { AddWebhookSetupPending1795767000000 } from './1795767000000-AddWebhookSetupPending';
import { NormalizeUserEmails1795767100000 } from './1795767100000-NormalizeUserEmails';
import { AddStripeHealth1796155078043 } from './1796155078043-AddStripeHealth';
import { AddWebhookEventPayloadSize1796160000000 } from './1796160000000-AddWebhookEventPayloadSize';
import { AddCredentialFingerprintsAndAccounts1796900000000 } from './1796900000000-AddCredentialFingerprintsAndAccounts';
import { AddStorageBoundsAndRefusalSketch1797120000000 } from './1797120000000-AddStorageBoundsAndRefusalSketch';
import { AddPaymentsLedger1797000000000 } from './1797000000000-AddPaymentsLedger';
import { AddPaymentsSync1797010000000 } from './1797010000000-AddPaymentsSync';
import { AddPaymentDescriptionVersion1797130000000 } from './1797130000000-AddPaymentDescriptionVersion';

/** Every migration, in order. `npm run migration:generate` writes a file here: add its class to this list. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const MIGRATIONS: MixedList<Function> = [
  InitialSchema1795764336581,
  AddAuditLog1795765135633,
  AddStripeWebhooks1795765162818,
  AddRateLimitCounters1795766000000,
  AddWebhookSetupPending1795767000000,
  NormalizeUserEmails1795767100000,
  AddStripeHealth1796155078043,
  AddWebhookEventPayloadSize1796160000000,
  AddCredentialFingerprintsAndAccounts1796900000000,
  AddPaymentsLedger1797000000000,
  AddPaymentsSync1797010000000,
  AddStorageBoundsAndRefusalSketch1797120000000,
  AddPaymentDescriptionVersion1797130000000,
];
