import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { StripeMode } from '../stripe/stripe-keys';

/**
 * A PostgreSQL advisory lock per project and mode, held while a webhook endpoint is set up in Stripe,
 * so that two simultaneous setups cannot both create an endpoint. Works across service instances.
 */
@Injectable()
export class WebhookSetupLockRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Runs `work` under the lock; `{ locked: false }` without running it when another setup holds it. */
  async withLock<T>(
    projectId: string,
    mode: StripeMode,
    work: () => Promise<T>,
  ): Promise<{ locked: true; result: T } | { locked: false }> {
    const key = `stripe-webhook-setup:${projectId}:${mode}`;
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const rows = (await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [key])) as {
        locked: boolean;
      }[];
      if (!rows[0]?.locked) return { locked: false };
      try {
        return { locked: true, result: await work() };
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
      }
    } finally {
      await runner.release();
    }
  }
}
