import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Integration health (src/stripe-health/, src/stripe-webhooks/webhook-failure-counter.ts).
 *
 * - `stripe_health_checks`: one row per project and mode whose secret key is re-checked in the
 *   background: when it is due, who holds it (`claimed_until`), and the last outcomes of the key and
 *   webhook endpoint checks. Outcomes and messages only: never a key (the fingerprint is an md5 of the
 *   ciphertext, to tell that the stored key changed since it was checked).
 * - `stripe_webhook_failure_counts`: refused webhook deliveries counted per project, mode, cause and
 *   hour: bounded rows (at most 3 causes × 2 modes × 48 hours per project; older buckets are swept).
 *
 * No entity maps these tables; only their repositories' SQL touches them.
 */
export class AddStripeHealth1796155078043 implements MigrationInterface {
  name = 'AddStripeHealth1796155078043';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "stripe_health_checks" ("project_id" uuid NOT NULL, "mode" character varying(4) NOT NULL, "next_check_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "claimed_until" TIMESTAMP WITH TIME ZONE, "claimed_at" TIMESTAMP WITH TIME ZONE, "key_fingerprint" character varying(32), "key_outcome" character varying(24), "key_message" character varying(300), "key_checked_at" TIMESTAMP WITH TIME ZONE, "endpoint_code" character varying(48), "endpoint_status" character varying(8), "endpoint_message" character varying(300), "endpoint_checked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_stripe_health_checks" PRIMARY KEY ("project_id", "mode"), CONSTRAINT "CHK_stripe_health_checks_mode" CHECK ("mode" IN ('test', 'live')), CONSTRAINT "FK_stripe_health_checks_project_id" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE)`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_stripe_health_checks_due" ON "stripe_health_checks" ("next_check_at")`);
    await queryRunner.query(
      `CREATE INDEX "IDX_stripe_health_checks_claimed_at" ON "stripe_health_checks" ("claimed_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "stripe_webhook_failure_counts" ("project_id" uuid NOT NULL, "mode" character varying(4) NOT NULL, "cause" character varying(24) NOT NULL, "bucket_start" TIMESTAMP WITH TIME ZONE NOT NULL, "failures" integer NOT NULL, "last_failure_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_stripe_webhook_failure_counts" PRIMARY KEY ("project_id", "mode", "cause", "bucket_start"), CONSTRAINT "FK_stripe_webhook_failure_counts_project_id" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE)`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_stripe_webhook_failure_counts_bucket" ON "stripe_webhook_failure_counts" ("bucket_start")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "stripe_webhook_failure_counts"`);
    await queryRunner.query(`DROP TABLE "stripe_health_checks"`);
  }
}
