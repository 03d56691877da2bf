import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The size in bytes of each stored event (its JSON text), so that the events list can leave large
 * payloads out without reading them (src/stripe-webhooks/stripe-webhook-events.repository.ts).
 * Events stored before are measured once here.
 */
export class AddWebhookEventPayloadSize1796160000000 implements MigrationInterface {
  name = 'AddWebhookEventPayloadSize1796160000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "stripe_webhook_events" ADD "payload_size" integer`);
    await queryRunner.query(`UPDATE "stripe_webhook_events" SET "payload_size" = octet_length("payload"::text)`);
    await queryRunner.query(`ALTER TABLE "stripe_webhook_events" ALTER COLUMN "payload_size" SET NOT NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "stripe_webhook_events" DROP COLUMN "payload_size"`);
  }
}
