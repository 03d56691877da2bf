import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1795764336581 implements MigrationInterface {
  name = 'InitialSchema1795764336581';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "email" character varying(320) NOT NULL, "password_hash" character varying(255) NOT NULL, "full_name" character varying(255), "role" character varying(32) NOT NULL DEFAULT 'developer', "is_active" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_users_email" UNIQUE ("email"), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "projects" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "owner_id" uuid NOT NULL, "name" character varying(255) NOT NULL, "description" character varying(1000), "is_active" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE DEFAULT now(), CONSTRAINT "PK_6271df0a7aed1d6c0691ce6ac50" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_projects_owner_id" ON "projects"  ("owner_id") `);
    await queryRunner.query(
      `CREATE TABLE "stripe_configs" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "project_id" uuid NOT NULL, "is_active" boolean NOT NULL DEFAULT true, "test_secret_key_encrypted" text, "test_secret_key_masked" character varying(64), "test_publishable_key_encrypted" text, "test_publishable_key_masked" character varying(64), "test_webhook_secret_encrypted" text, "test_webhook_secret_masked" character varying(64), "live_secret_key_encrypted" text, "live_secret_key_masked" character varying(64), "live_publishable_key_encrypted" text, "live_publishable_key_masked" character varying(64), "live_webhook_secret_encrypted" text, "live_webhook_secret_masked" character varying(64), "test_configured_at" TIMESTAMP WITH TIME ZONE, "live_configured_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL DEFAULT '1', CONSTRAINT "UQ_stripe_configs_project_id" UNIQUE ("project_id"), CONSTRAINT "PK_fb1c6f4317a5418a97b73f97063" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "projects" ADD CONSTRAINT "FK_projects_owner_id" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "stripe_configs" ADD CONSTRAINT "FK_stripe_configs_project_id" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "stripe_configs" DROP CONSTRAINT "FK_stripe_configs_project_id"`);
    await queryRunner.query(`ALTER TABLE "projects" DROP CONSTRAINT "FK_projects_owner_id"`);
    await queryRunner.query(`DROP TABLE "stripe_configs"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_projects_owner_id"`);
    await queryRunner.query(`DROP TABLE "projects"`);
    await queryRunner.query(`DROP TABLE "users"`);
  }
}
