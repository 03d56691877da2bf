/**
 * `npm run ledger:rebuild [-- --batch-size=200]`
 *
 * Projects every stored Stripe event into the payments ledger (src/stripe-webhooks/ledger-rebuild.ts):
 * events stored before the ledger existed become subscriptions and payments. Idempotent and only
 * upserts (ledger rows are never deleted), safe while the service runs. Uses the service's own
 * configuration (DATABASE_URL, ENCRYPTION_KEYS for product-name lookups with the stored keys, and
 * STRIPE_API_BASE). Prints one JSON report on stdout.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/app.config';
import { appDataSourceOptions } from '../src/app.entities';
import { isProduction } from '../src/config/config-area';
import { CredentialCipher } from '../src/credentials/credential-cipher';
import { CredentialsService } from '../src/credentials/credentials.service';
import { developmentDatabase } from '../src/database/embedded-postgres';
import { SqlClient } from '../src/database/sql-client';
import { LedgerPaymentsRepository } from '../src/payments/ledger-payments.repository';
import { LedgerProductNamesRepository } from '../src/payments/ledger-product-names.repository';
import { LedgerProjectionFailuresRepository } from '../src/payments/ledger-projection-failures.repository';
import { LedgerProjector } from '../src/payments/ledger-projector';
import { LedgerSubscriptionsRepository } from '../src/payments/ledger-subscriptions.repository';
import { LedgerLookups } from '../src/payments/ledger-lookups';
import { StripeConfigCredentials } from '../src/stripe-config/stripe-config-credentials';
import { StripeConfigRepository } from '../src/stripe-config/stripe-config.repository';
import { StripeApiClient } from '../src/stripe/stripe-api.client';
import { rebuildLedger } from '../src/stripe-webhooks/ledger-rebuild';
import { StripeWebhookEventsRepository } from '../src/stripe-webhooks/stripe-webhook-events.repository';

function intOption(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (!arg) return fallback;
  const value = Number(arg.slice(name.length + 3));
  if (!Number.isInteger(value) || value < 1 || value > 10_000) throw new Error(`--${name} must be 1 to 10000`);
  return value;
}

async function main(): Promise<number> {
  const env = process.env;
  const problems: string[] = [];
  const config = loadConfig(
    {
      ...env,
      JWT_SECRET: env.JWT_SECRET || randomBytes(32).toString('base64url'),
      DATABASE_URL: env.DATABASE_URL || (isProduction(env) ? undefined : developmentDatabase(env, problems).url),
    },
    (m: string) => console.error(m),
    problems,
  );
  const dataSource = new DataSource({
    ...appDataSourceOptions(config.database.url),
    extra: { max: 2, connectionTimeoutMillis: 5000 },
  });
  await dataSource.initialize();
  try {
    const configs = new StripeConfigRepository(dataSource, new SqlClient(dataSource));
    const credentials = new StripeConfigCredentials(
      new CredentialsService(new CredentialCipher(config.credentials.encryptionKeys)),
    );
    const names = new LedgerProductNamesRepository(dataSource);
    const payments = new LedgerPaymentsRepository(dataSource);
    const stripe = new StripeApiClient(config.stripeApi);
    const lookups = new LedgerLookups(names, configs, credentials, stripe, payments, dataSource);
    const projector = new LedgerProjector(
      new LedgerSubscriptionsRepository(dataSource),
      payments,
      names,
      new LedgerProjectionFailuresRepository(dataSource),
      lookups,
    );
    const report = await rebuildLedger(dataSource, new StripeWebhookEventsRepository(dataSource), projector, {
      batchSize: intOption('batch-size', 200),
      onBatch: (r) => console.error(`projected ${r.events} events`),
    });
    await lookups.idle();
    console.log(JSON.stringify(report));
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Only the message: a driver error can carry connection details.
    console.error(`ledger:rebuild failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
