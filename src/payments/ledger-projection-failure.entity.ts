import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { StripeMode } from '../stripe/stripe-keys';
import { Project } from '../projects/project.entity';

/** Per project and mode: how many stored events the ledger could not read, and the last one (for the health report). */
@Entity({ name: 'ledger_projection_failures' })
export class LedgerProjectionFailure {
  @PrimaryColumn({ name: 'project_id', type: 'uuid', primaryKeyConstraintName: 'PK_ledger_projection_failures' })
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'FK_ledger_projection_failures_project_id' })
  project?: Project;

  @PrimaryColumn({ type: 'varchar', length: 4, primaryKeyConstraintName: 'PK_ledger_projection_failures' })
  mode: StripeMode;

  @Column({ name: 'unprojectable_count', type: 'integer', default: 0 })
  unprojectableCount: number;

  @Column({ name: 'last_event_id', type: 'varchar', length: 255 })
  lastEventId: string;

  @Column({ name: 'last_event_type', type: 'varchar', length: 255 })
  lastEventType: string;

  @Column({ name: 'last_reason', type: 'varchar', length: 255 })
  lastReason: string;

  @Column({ name: 'last_at', type: 'timestamptz', default: () => 'now()' })
  lastAt: Date;
}
