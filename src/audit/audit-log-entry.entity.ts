import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Project } from '../projects/project.entity';

/** `coalesced`: the summary row of the writes beyond AUDIT_MAX_ROWS_PER_MINUTE in one minute. */
export const AUDIT_ACTIONS = ['create', 'update', 'deactivate', 'coalesced'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * One change to a project's Stripe configuration: who, when, what (field NAMES only, never values),
 * from which request and client IP. Written in the same transaction as the change itself.
 */
@Entity({ name: 'audit_log' })
@Index('IDX_audit_log_project_id_created_at', ['projectId', 'createdAt', 'id'])
@Index('UQ_audit_log_project_coalesced_minute', ['projectId', 'coalescedMinute'], {
  unique: true,
  where: 'coalesced_minute IS NOT NULL',
})
export class AuditLogEntry {
  /** Monotonic: breaks ties between entries of the same instant (newest first = highest id). */
  @PrimaryGeneratedColumn('identity', { type: 'bigint', primaryKeyConstraintName: 'PK_audit_log_id' })
  id: string;

  @Column({ name: 'project_id', type: 'uuid' })
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'FK_audit_log_project_id' })
  project?: Project;

  /** The acting user's id (kept as recorded even if the user is later deleted). */
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'varchar', length: 32 })
  action: AuditAction;

  /** Names of the fields written, e.g. `["test_secret_key", "is_active"]`. Never values. */
  @Column({ name: 'changed_fields', type: 'text', array: true })
  changedFields: string[];

  @Column({ name: 'request_id', type: 'varchar', length: 128 })
  requestId: string;

  @Column({ name: 'client_ip', type: 'varchar', length: 64, nullable: true })
  clientIp: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** How many writes this row records: 1, or the count of a `coalesced` summary row. */
  @Column({ name: 'coalesced_writes', type: 'integer', default: 1 })
  coalescedWrites: number;

  /** The minute a `coalesced` row summarises (one per project and minute); null for other rows. */
  @Column({ name: 'coalesced_minute', type: 'timestamptz', nullable: true })
  coalescedMinute: Date | null;
}
