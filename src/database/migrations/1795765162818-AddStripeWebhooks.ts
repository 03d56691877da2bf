import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddStripeWebhooks1795765162818 implements MigrationInterface {
  name = 'AddStripeWebhooks1795765162818';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "stripe_webhook_events" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "project_id" uuid NOT NULL, "mode" character varying(4) NOT NULL, "event_id" character varying(255) NOT NULL, "event_type" character varying(255) NOT NULL, "stripe_created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "payload" jsonb NOT NULL, CONSTRAINT "UQ_stripe_webhook_events_project_mode_event" UNIQUE ("project_id", "mode", "event_id"), CONSTRAINT "PK_stripe_webhook_events_id" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_stripe_webhook_events_project_received" ON "stripe_webhook_events"  ("project_id", "received_at") `,
    );
    await queryRunner.query(`ALTER TABLE "stripe_configs" ADD "test_webhook_endpoint_id" character varying(255)`);
    await queryRunner.query(`ALTER TABLE "stripe_configs" ADD "live_webhook_endpoint_id" character varying(255)`);
    await queryRunner.query(
      `ALTER TABLE "stripe_webhook_events" ADD CONSTRAINT "FK_stripe_webhook_events_project_id" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "stripe_webhook_events" DROP CONSTRAINT "FK_stripe_webhook_events_project_id"`,
    );
    await queryRunner.query(`ALTER TABLE "stripe_configs" DROP COLUMN "live_webhook_endpoint_id"`);
    await queryRunner.query(`ALTER TABLE "stripe_configs" DROP COLUMN "test_webhook_endpoint_id"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_stripe_webhook_events_project_received"`);
    await queryRunner.query(`DROP TABLE "stripe_webhook_events"`);
  }
}
