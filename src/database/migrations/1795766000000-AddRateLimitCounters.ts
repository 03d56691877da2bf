import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rate-limit counters shared by every instance (src/rate-limit/postgres-throttler.storage.ts).
 * UNLOGGED: not written to the WAL, so cheaper to update on every limited request, but emptied after
 * a crash of PostgreSQL and not copied to replicas. Losing counters is fine: at worst a client gets a
 * fresh window. No entity maps this table; only that storage's SQL touches it.
 */
export class AddRateLimitCounters1795766000000 implements MigrationInterface {
  name = 'AddRateLimitCounters1795766000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE UNLOGGED TABLE "rate_limit_counters" ("key" bytea NOT NULL, "hits" bigint array NOT NULL, "expires_at_ms" bigint NOT NULL, "blocked" boolean NOT NULL, "block_expires_at_ms" bigint NOT NULL, "updated_at_ms" bigint NOT NULL, CONSTRAINT "PK_rate_limit_counters_key" PRIMARY KEY ("key"))`,
    );
    await queryRunner.query(
      `COMMENT ON TABLE "rate_limit_counters" IS 'Rate-limit counters (key = sha256 of throttler name and tracker key). Unlogged: emptied by a crash, which is acceptable.'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "rate_limit_counters"`);
  }
}
