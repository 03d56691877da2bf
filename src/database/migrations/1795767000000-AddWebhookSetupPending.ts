import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `*_webhook_setup_pending`: a webhook endpoint creation was sent to Stripe and did not complete (time-out,
 * connection lost, server error), so Stripe may hold an endpoint this service never stored. The next
 * setup and DELETE config then look for it (by metadata and URL) and remove it.
 */
export class AddWebhookSetupPending1795767000000 implements MigrationInterface {
  name = 'AddWebhookSetupPending1795767000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "stripe_configs" ADD "test_webhook_setup_pending" boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(
      `ALTER TABLE "stripe_configs" ADD "live_webhook_setup_pending" boolean NOT NULL DEFAULT false`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "stripe_configs" DROP COLUMN "live_webhook_setup_pending"`);
    await queryRunner.query(`ALTER TABLE "stripe_configs" DROP COLUMN "test_webhook_setup_pending"`);
  }
}
