import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * History import and gap sweep of the payments ledger (src/payments/ledger-sync.*, ledger-sweep.*).
 *
 * - `payment_syncs`: one row per project and mode: the state of its last (or running) import of
 *   subscriptions and payments from Stripe, its progress counts, where it stopped (`phase`, `cursor`:
 *   a Stripe object id, so a restarted job resumes there) and the id of the background job that runs it.
 * - `payment_sweeps`: one row per project and mode whose stored secret key is swept: when it is due,
 *   who holds it (`claimed_until`), up to which Stripe `created` second events were swept, and the
 *   outcome of the last run.
 *
 * Counts, ids and masked messages only: never a key. No entity maps these tables; only their
 * repositories' SQL touches them. The job queue itself (pg-boss) keeps its own schema `pgboss`, which
 * it creates and upgrades at start-up (src/payments/ledger-jobs.ts).
 */
export class AddPaymentsSync1797010000000 implements MigrationInterface {
  name = 'AddPaymentsSync1797010000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "payment_syncs" ("project_id" uuid NOT NULL, "mode" character varying(4) NOT NULL, "status" character varying(10) NOT NULL, "job_id" uuid, "phase" character varying(24), "cursor" character varying(255), "subscriptions_imported" integer NOT NULL DEFAULT 0, "payments_imported" integer NOT NULL DEFAULT 0, "pages_fetched" integer NOT NULL DEFAULT 0, "stripe_calls" integer NOT NULL DEFAULT 0, "requested_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, "last_error" character varying(300), CONSTRAINT "PK_payment_syncs" PRIMARY KEY ("project_id", "mode"), CONSTRAINT "CHK_payment_syncs_mode" CHECK ("mode" IN ('test', 'live')), CONSTRAINT "CHK_payment_syncs_status" CHECK ("status" IN ('queued', 'running', 'succeeded', 'failed')), CONSTRAINT "FK_payment_syncs_project_id" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE)`,
    );
    await queryRunner.query(
      `CREATE TABLE "payment_sweeps" ("project_id" uuid NOT NULL, "mode" character varying(4) NOT NULL, "next_run_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "claimed_until" TIMESTAMP WITH TIME ZONE, "swept_until" bigint, "cycle_cursor" character varying(255), "cycle_max_created" bigint, "last_run_at" TIMESTAMP WITH TIME ZONE, "last_outcome" character varying(10), "last_error" character varying(300), "events_filled" integer NOT NULL DEFAULT 0, "events_filled_total" bigint NOT NULL DEFAULT 0, CONSTRAINT "PK_payment_sweeps" PRIMARY KEY ("project_id", "mode"), CONSTRAINT "CHK_payment_sweeps_mode" CHECK ("mode" IN ('test', 'live')), CONSTRAINT "FK_payment_sweeps_project_id" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE)`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_payment_sweeps_due" ON "payment_sweeps" ("next_run_at")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "payment_sweeps"`);
    await queryRunner.query(`DROP TABLE "payment_syncs"`);
  }
}
