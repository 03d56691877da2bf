import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The payments ledger: subscriptions and payments projected from Stripe events (src/payments/), the product
 * names used as plan names, and the count of events the ledger could not read. Stored events are projected
 * by `npm run ledger:rebuild`, not here (a migration does not run feature code).
 */
export class AddPaymentsLedger1797000000000 implements MigrationInterface {
  name = 'AddPaymentsLedger1797000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "ledger_payments" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "project_id" uuid NOT NULL, "mode" character varying(4) NOT NULL, "payment_intent_id" character varying(255) NOT NULL, "invoice_id" character varying(255), "stripe_subscription_id" character varying(255), "user_id" uuid, "status" character varying(32) NOT NULL, "amount_cents" bigint NOT NULL, "currency" character varying(3) NOT NULL, "description" character varying(500), "refunded_amount_cents" bigint NOT NULL DEFAULT '0', "stripe_created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "status_version" bigint NOT NULL, "status_event_id" character varying(255) NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_ledger_payments_project_mode_payment_intent" UNIQUE ("project_id", "mode", "payment_intent_id"), CONSTRAINT "PK_ledger_payments_id" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_ledger_payments_project_mode_created" ON "ledger_payments"  ("project_id", "mode", "stripe_created_at", "id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_ledger_payments_project_mode_invoice" ON "ledger_payments"  ("project_id", "mode", "invoice_id") WHERE "invoice_id" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE TABLE "ledger_product_names" ("project_id" uuid NOT NULL, "mode" character varying(4) NOT NULL, "product_id" character varying(255) NOT NULL, "name" character varying(255), "fetched_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_ledger_product_names" PRIMARY KEY ("project_id", "mode", "product_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "ledger_projection_failures" ("project_id" uuid NOT NULL, "mode" character varying(4) NOT NULL, "unprojectable_count" integer NOT NULL DEFAULT '0', "last_event_id" character varying(255) NOT NULL, "last_event_type" character varying(255) NOT NULL, "last_reason" character varying(255) NOT NULL, "last_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_ledger_projection_failures" PRIMARY KEY ("project_id", "mode"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "ledger_subscriptions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "project_id" uuid NOT NULL, "mode" character varying(4) NOT NULL, "stripe_subscription_id" character varying(255) NOT NULL, "user_id" uuid, "customer_id" character varying(255), "status" character varying(32) NOT NULL, "price_nickname" character varying(255), "product_id" character varying(255), "quantity" integer NOT NULL DEFAULT '1', "current_period_start" TIMESTAMP WITH TIME ZONE, "current_period_end" TIMESTAMP WITH TIME ZONE, "cancel_at" TIMESTAMP WITH TIME ZONE, "cancelled_at" TIMESTAMP WITH TIME ZONE, "stripe_created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "status_version" bigint NOT NULL, "status_event_id" character varying(255) NOT NULL, "details_version" bigint NOT NULL, "details_event_id" character varying(255) NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_ledger_subscriptions_project_mode_stripe_id" UNIQUE ("project_id", "mode", "stripe_subscription_id"), CONSTRAINT "PK_ledger_subscriptions_id" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_ledger_subscriptions_project_mode_created" ON "ledger_subscriptions"  ("project_id", "mode", "stripe_created_at", "id") `,
    );
    await queryRunner.query(
      `ALTER TABLE "ledger_payments" ADD CONSTRAINT "FK_ledger_payments_project_id" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "ledger_product_names" ADD CONSTRAINT "FK_ledger_product_names_project_id" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "ledger_projection_failures" ADD CONSTRAINT "FK_ledger_projection_failures_project_id" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "ledger_subscriptions" ADD CONSTRAINT "FK_ledger_subscriptions_project_id" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "ledger_subscriptions" DROP CONSTRAINT "FK_ledger_subscriptions_project_id"`);
    await queryRunner.query(
      `ALTER TABLE "ledger_projection_failures" DROP CONSTRAINT "FK_ledger_projection_failures_project_id"`,
    );
    await queryRunner.query(`ALTER TABLE "ledger_product_names" DROP CONSTRAINT "FK_ledger_product_names_project_id"`);
    await queryRunner.query(`ALTER TABLE "ledger_payments" DROP CONSTRAINT "FK_ledger_payments_project_id"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_ledger_subscriptions_project_mode_created"`);
    await queryRunner.query(`DROP TABLE "ledger_subscriptions"`);
    await queryRunner.query(`DROP TABLE "ledger_projection_failures"`);
    await queryRunner.query(`DROP TABLE "ledger_product_names"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_ledger_payments_project_mode_invoice"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_ledger_payments_project_mode_created"`);
    await queryRunner.query(`DROP TABLE "ledger_payments"`);
  }
}
