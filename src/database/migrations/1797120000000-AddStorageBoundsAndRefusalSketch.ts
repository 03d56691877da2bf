import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * - `stripe_webhook_failure_counts.client_hashes`: a bounded sketch (at most 64 keyed hashes) of the
 *   client addresses of refusals Stripe did not confirm, to say from how many addresses they came;
 * - `IDX_stripe_webhook_events_received_at`: the retention job deletes the oldest events of every
 *   project in bounded batches;
 * - `audit_log.coalesced_writes` / `coalesced_minute`: writes beyond a project's audit rows per minute
 *   are counted in one summary row per project and minute (unique while coalesced_minute is set).
 */
export class AddStorageBoundsAndRefusalSketch1797120000000 implements MigrationInterface {
  name = 'AddStorageBoundsAndRefusalSketch1797120000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "stripe_webhook_failure_counts" ADD "client_hashes" bigint array NOT NULL DEFAULT '{}'`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_stripe_webhook_events_received_at" ON "stripe_webhook_events" ("received_at") `,
    );
    await queryRunner.query(`ALTER TABLE "audit_log" ADD "coalesced_writes" integer NOT NULL DEFAULT '1'`);
    await queryRunner.query(`ALTER TABLE "audit_log" ADD "coalesced_minute" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_audit_log_project_coalesced_minute" ON "audit_log" ("project_id", "coalesced_minute") WHERE coalesced_minute IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."UQ_audit_log_project_coalesced_minute"`);
    await queryRunner.query(`ALTER TABLE "audit_log" DROP COLUMN "coalesced_minute"`);
    await queryRunner.query(`ALTER TABLE "audit_log" DROP COLUMN "coalesced_writes"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_stripe_webhook_events_received_at"`);
    await queryRunner.query(`ALTER TABLE "stripe_webhook_failure_counts" DROP COLUMN "client_hashes"`);
  }
}
