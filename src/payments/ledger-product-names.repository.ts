import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { StripeMode } from '../stripe/stripe-keys';

/** Every statement on ledger_product_names (the cache of product names, per project and mode). */
@Injectable()
export class LedgerProductNamesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Stores a name (null: Stripe has no such product); a later lookup replaces an earlier one. */
  async save(
    projectId: string,
    mode: StripeMode,
    productId: string,
    name: string | null,
    tx: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO ledger_product_names (project_id, mode, product_id, name) VALUES ($1, $2, $3, $4)
       ON CONFLICT ON CONSTRAINT "PK_ledger_product_names"
       DO UPDATE SET name = EXCLUDED.name, fetched_at = now()`,
      [projectId, mode, productId, name],
    );
  }

  async has(projectId: string, mode: StripeMode, productId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM ledger_product_names WHERE project_id = $1 AND mode = $2 AND product_id = $3`,
      [projectId, mode, productId],
    );
    return rows.length > 0;
  }
}
