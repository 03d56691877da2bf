/**
 * `npm run rotate-keys [-- --batch-size=100 --max-passes=3]`
 *
 * Re-encrypts every stored credential under the first key of ENCRYPTION_KEYS (e.g. "k2:...,k1:...")
 * in batches, safe while the service runs and resumable (see src/credentials/key-rotation.service.ts).
 * Uses the service's own configuration (DATABASE_URL, ENCRYPTION_KEYS) and DataSource options.
 * Prints one JSON report on stdout; exits 1 when a credential failed to decrypt or rows remain.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { CredentialCipher } from '../src/credentials/credential-cipher';
import { loadConfig } from '../src/app.config';
import { isProduction } from '../src/config/config-area';
import { appDataSourceOptions } from '../src/app.entities';
import { developmentDatabase } from '../src/database/embedded-postgres';
import { CredentialsService } from '../src/credentials/credentials.service';
import { SqlClient } from '../src/database/sql-client';
import { StripeConfigRepository } from '../src/stripe-config/stripe-config.repository';

function intOption(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (!arg) return fallback;
  const value = Number(arg.slice(name.length + 3));
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

async function main(): Promise<number> {
  // The script needs no JWT secret; only the key ring and the database (outside production, by
  // default the embedded development database that `npm start` runs).
  const env = process.env;
  const problems: string[] = [];
  const config = loadConfig(
    {
      ...env,
      JWT_SECRET: env.JWT_SECRET || randomBytes(32).toString('base64url'),
      DATABASE_URL: env.DATABASE_URL || (isProduction(env) ? undefined : developmentDatabase(env, problems).url),
    },
    (m) => console.error(m),
    problems,
  );
  const { encryptionKeys } = config.credentials;
  const batchSize = intOption('batch-size', 100);
  const maxPasses = intOption('max-passes', 3);
  const dataSource = new DataSource({
    ...appDataSourceOptions(config.database.url),
    extra: { max: 2, connectionTimeoutMillis: 5000 },
  });
  await dataSource.initialize();
  try {
    const service = new CredentialsService(new CredentialCipher(encryptionKeys));
    // Every table that holds ciphertexts, as each feature module registers it in the service.
    const stores = [new StripeConfigRepository(dataSource, new SqlClient(dataSource))];
    for (const store of stores) service.registerCiphertextStore(store);
    console.error(
      `Rotating every credential column of ${stores.map((s) => s.name).join(', ')} to key "${encryptionKeys[0].id}"...`,
    );
    const report = await service.rotate({
      batchSize,
      maxPasses,
      onBatch: (c) => console.error(`batch: rotated ${c.rotated}, skipped ${c.skipped}, failed ${c.failed}`),
    });
    console.log(JSON.stringify(report));
    if (report.failed > 0) console.error(`${report.failed} row(s) could not be decrypted: is every old key listed?`);
    if (report.remaining > 0) console.error(`${report.remaining} row(s) still use another key: run again`);
    return report.failed === 0 && report.remaining === 0 ? 0 : 1;
  } finally {
    await dataSource.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Only the message: a driver error can carry connection details.
    console.error(`rotate-keys failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
