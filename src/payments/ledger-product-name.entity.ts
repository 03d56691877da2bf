import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { StripeMode } from '../stripe/stripe-keys';
import { Project } from '../projects/project.entity';

/** A Stripe product's name, looked up once per project, mode and product: the plan name of prices without a nickname. */
@Entity({ name: 'ledger_product_names' })
export class LedgerProductName {
  @PrimaryColumn({ name: 'project_id', type: 'uuid', primaryKeyConstraintName: 'PK_ledger_product_names' })
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'FK_ledger_product_names_project_id' })
  project?: Project;

  @PrimaryColumn({ type: 'varchar', length: 4, primaryKeyConstraintName: 'PK_ledger_product_names' })
  mode: StripeMode;

  @PrimaryColumn({
    name: 'product_id',
    type: 'varchar',
    length: 255,
    primaryKeyConstraintName: 'PK_ledger_product_names',
  })
  productId: string;

  /** Null: Stripe has no such product (looked up, not found). */
  @Column({ type: 'varchar', length: 255, nullable: true })
  name: string | null;

  @Column({ name: 'fetched_at', type: 'timestamptz', default: () => 'now()' })
  fetchedAt: Date;
}
