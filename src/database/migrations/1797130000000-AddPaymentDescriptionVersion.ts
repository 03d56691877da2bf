import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `ledger_payments.description_version` / `description_event_id`: the description keeps the greatest
 * (version, event id) among the events that carry one, so a later event without a description does
 * not erase it. A stored description is taken to come from the row's state event; descriptions already
 * erased come back with `npm run ledger:rebuild`.
 */
export class AddPaymentDescriptionVersion1797130000000 implements MigrationInterface {
  name = 'AddPaymentDescriptionVersion1797130000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "ledger_payments" ADD "description_version" bigint NOT NULL DEFAULT '-1'`);
    await queryRunner.query(
      `ALTER TABLE "ledger_payments" ADD "description_event_id" character varying(255) NOT NULL DEFAULT ''`,
    );
    await queryRunner.query(
      `UPDATE "ledger_payments" SET "description_version" = "status_version", "description_event_id" = "status_event_id" WHERE "description" IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "ledger_payments" DROP COLUMN "description_event_id"`);
    await queryRunner.query(`ALTER TABLE "ledger_payments" DROP COLUMN "description_version"`);
  }
}
