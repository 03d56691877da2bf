import { MigrationInterface, QueryRunner } from 'typeorm';

const FIELDS = [
  'test_secret_key',
  'test_publishable_key',
  'test_webhook_secret',
  'live_secret_key',
  'live_publishable_key',
  'live_webhook_secret',
];
const KEY_FIELDS = ['test_secret_key', 'test_publishable_key', 'live_secret_key', 'live_publishable_key'];

/**
 * stripe_configs keeps, beside each credential, its fingerprint (md5 of the ciphertext as written) and,
 * for an API key, the Stripe account the key embeds: the health report and its scheduler read these
 * instead of the ciphertexts, and compare accounts without decrypting. Stored fingerprints are filled
 * here from the current ciphertexts (the same value the health checks stored as key_fingerprint);
 * accounts cannot be read without the key ring, so each row gets them at its next key check.
 */
export class AddCredentialFingerprintsAndAccounts1796900000000 implements MigrationInterface {
  name = 'AddCredentialFingerprintsAndAccounts1796900000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const field of FIELDS) {
      await queryRunner.query(`ALTER TABLE "stripe_configs" ADD "${field}_fingerprint" character varying(32)`);
      if (KEY_FIELDS.includes(field)) {
        await queryRunner.query(`ALTER TABLE "stripe_configs" ADD "${field}_account" character varying(32)`);
      }
    }
    await queryRunner.query(
      `UPDATE "stripe_configs" SET ${FIELDS.map((f) => `"${f}_fingerprint" = md5("${f}_encrypted")`).join(', ')}`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const field of [...FIELDS].reverse()) {
      if (KEY_FIELDS.includes(field)) {
        await queryRunner.query(`ALTER TABLE "stripe_configs" DROP COLUMN "${field}_account"`);
      }
      await queryRunner.query(`ALTER TABLE "stripe_configs" DROP COLUMN "${field}_fingerprint"`);
    }
  }
}
