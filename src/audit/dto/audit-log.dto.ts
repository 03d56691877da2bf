import { ApiProperty } from '@nestjs/swagger';
import { PaginationQuery } from '../../http/pagination.dto';
import { AUDIT_ACTIONS, AuditLogEntry } from '../audit-log-entry.entity';

/** `?page=1&page_size=20`, newest first. */
export class AuditLogQuery extends PaginationQuery {}

export class AuditLogEntryResponse {
  @ApiProperty({ type: String, title: 'Id', description: 'Increasing entry number', example: '42' })
  id: string;

  @ApiProperty({ type: String, format: 'uuid', title: 'Project Id' })
  project_id: string;

  @ApiProperty({ type: String, format: 'uuid', title: 'User Id', description: 'Who made the change' })
  user_id: string;

  @ApiProperty({
    enum: AUDIT_ACTIONS,
    title: 'Action',
    description: '`coalesced`: the summary of the writes beyond the per-minute cap (see `coalesced_writes`)',
  })
  action: string;

  @ApiProperty({
    type: [String],
    title: 'Changed Fields',
    description: 'Names of the fields written (never their values)',
    example: ['test_secret_key', 'test_publishable_key'],
  })
  changed_fields: string[];

  @ApiProperty({ type: String, title: 'Request Id' })
  request_id: string;

  @ApiProperty({ type: String, nullable: true, title: 'Client Ip' })
  client_ip: string | null;

  @ApiProperty({ type: String, format: 'date-time', title: 'Created At' })
  created_at: Date;

  @ApiProperty({
    type: 'integer',
    title: 'Coalesced Writes',
    description:
      'How many writes the entry records: 1, or for a `coalesced` entry the writes of that minute beyond AUDIT_MAX_ROWS_PER_MINUTE (user, request and address of the last one; `changed_fields` the union of their fields)',
    example: 1,
  })
  coalesced_writes: number;

  static from(entry: AuditLogEntry): AuditLogEntryResponse {
    return Object.assign(new AuditLogEntryResponse(), {
      id: String(entry.id),
      project_id: entry.projectId,
      user_id: entry.userId,
      action: entry.action,
      changed_fields: entry.changedFields,
      request_id: entry.requestId,
      client_ip: entry.clientIp,
      created_at: entry.createdAt,
      coalesced_writes: entry.coalescedWrites,
    });
  }
}

export class AuditLogPage {
  @ApiProperty({ type: [AuditLogEntryResponse], title: 'Items', description: 'Newest first' })
  items: AuditLogEntryResponse[];

  @ApiProperty({ type: 'integer', title: 'Total' })
  total: number;

  @ApiProperty({ type: 'integer', title: 'Page' })
  page: number;

  @ApiProperty({ type: 'integer', title: 'Page Size' })
  page_size: number;
}
