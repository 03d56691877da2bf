import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { StripeConfig } from './stripe-config.entity';

/** All SQL on stripe_configs. Every method is keyed by the project id, checked for ownership upstream. */
@Injectable()
export class StripeConfigRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  findByProjectId(projectId: string): Promise<StripeConfig | null> {
    return this.dataSource.getRepository(StripeConfig).findOneBy({ projectId });
  }

  /**
   * Runs `change` on the project's config row, locked (SELECT ... FOR UPDATE) inside a transaction,
   * creating the row first if there is none. Concurrent writers to one project queue up on the lock,
   * so partial updates merge instead of overwriting each other, and concurrent first writes end up
   * with exactly one row (INSERT ... ON CONFLICT DO NOTHING on the unique project_id).
   * `change` may throw to roll everything back (e.g. a failed If-Match); `afterSave` runs in the same
   * transaction (the audit entry commits with the change or not at all).
   */
  async upsertLocked(
    projectId: string,
    change: (config: StripeConfig, isNew: boolean) => void,
    afterSave?: (manager: EntityManager, saved: StripeConfig, isNew: boolean) => Promise<void>,
  ): Promise<StripeConfig> {
    return this.dataSource.transaction(async (manager: EntityManager) => {
      const inserted = await manager
        .createQueryBuilder()
        .insert()
        .into(StripeConfig)
        .values({ projectId })
        .orIgnore()
        .returning('id')
        .execute();
      const isNew = (inserted.raw as unknown[]).length > 0;
      const config = await manager
        .getRepository(StripeConfig)
        .createQueryBuilder('config')
        .setLock('pessimistic_write')
        .where('config.project_id = :projectId', { projectId })
        .getOneOrFail();
      change(config, isNew);
      const saved = await manager.getRepository(StripeConfig).save(config);
      if (afterSave) await afterSave(manager, saved, isNew);
      return saved;
    });
  }

  /** Forgets the webhook endpoint created in Stripe for a mode, if it is still the one stored. */
  async clearWebhookEndpoint(projectId: string, mode: 'test' | 'live', endpointId: string): Promise<void> {
    const column = mode === 'test' ? 'test_webhook_endpoint_id' : 'live_webhook_endpoint_id';
    await this.dataSource.query(`UPDATE stripe_configs SET ${column} = NULL WHERE project_id = $1 AND ${column} = $2`, [
      projectId,
      endpointId,
    ]);
  }

  /**
   * Marks the config inactive; returns false when the project has none. `afterUpdate` runs in the
   * same transaction.
   */
  async deactivate(projectId: string, afterUpdate?: (manager: EntityManager) => Promise<void>): Promise<boolean> {
    return this.dataSource.transaction(async (manager: EntityManager) => {
      const result = await manager
        .createQueryBuilder()
        .update(StripeConfig)
        .set({ isActive: false, version: () => 'version + 1' })
        .where('project_id = :projectId', { projectId })
        .execute();
      const found = (result.affected ?? 0) > 0;
      if (found && afterUpdate) await afterUpdate(manager);
      return found;
    });
  }
}
