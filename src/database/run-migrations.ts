import { DataSource, MigrationExecutor, type Migration } from 'typeorm';

/**
 * The session-level advisory lock that serialises migrations between instances starting at the same
 * moment. Two int4 keys: that key space never overlaps the single-bigint one of the other advisory
 * locks (e.g. the webhook-setup lock, `pg_try_advisory_lock(hashtext(...))`).
 */
const LOCK = `SELECT pg_advisory_lock(hashtext('stripe-config-service'), hashtext('migrations'))`;
const UNLOCK = `SELECT pg_advisory_unlock(hashtext('stripe-config-service'), hashtext('migrations'))`;

/**
 * Applies pending migrations (each in its own transaction) while holding the migration lock, on one
 * connection. Every instance of the service does this at start-up: the first to take the lock applies
 * the migrations; the others wait for it, then find nothing pending. Without the lock, instances
 * starting together on an empty database race on CREATE TABLE and all but one fail.
 *
 * A crashed instance cannot keep the lock: it belongs to the session and goes with the connection.
 * On error the caller should destroy the DataSource (closing the connection releases the lock too).
 */
export async function runMigrationsExclusively(dataSource: DataSource): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query(LOCK);
    let failed = true;
    try {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      const applied = await executor.executePendingMigrations();
      failed = false;
      return applied;
    } finally {
      // Do not let a failing unlock hide the migration's own error.
      await runner.query(UNLOCK).catch((error: unknown) => {
        if (!failed) throw error;
      });
    }
  } finally {
    await runner.release();
  }
}
