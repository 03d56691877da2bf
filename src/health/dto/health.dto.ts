import { ApiProperty } from '@nestjs/swagger';

const COMPONENT_SCHEMA = { type: 'object', additionalProperties: true } as const;

/**
 * `GET /api/v1/health`, shaped like the reference API's HealthCheckResponse. Each component says only
 * `up`, `down` or `not_used`: no versions, hosts or driver messages.
 */
export class HealthCheckResponse {
  @ApiProperty({
    type: String,
    title: 'Status',
    enum: ['healthy', 'degraded'],
    description: '`healthy`, or `degraded` when the database does not answer',
  })
  status: 'healthy' | 'degraded';

  @ApiProperty({ ...COMPONENT_SCHEMA, title: 'Database', example: { status: 'up' } })
  database: { status: 'up' | 'down' };

  @ApiProperty({ ...COMPONENT_SCHEMA, title: 'File Storage', example: { status: 'not_used' } })
  file_storage: { status: 'not_used' };

  @ApiProperty({ ...COMPONENT_SCHEMA, title: 'Redis', example: { status: 'not_used' } })
  redis: { status: 'not_used' };

  @ApiProperty({ type: String, title: 'Timestamp', description: 'ISO 8601', example: '2026-01-01T00:00:00.000Z' })
  timestamp: string;

  @ApiProperty({ type: String, nullable: true, required: false, title: 'Version' })
  version: string | null;

  @ApiProperty({ type: String, nullable: true, required: false, title: 'Note' })
  note: string | null;

  @ApiProperty({ type: String, nullable: true, required: false, title: 'Error' })
  error: string | null;
}

/** `GET /api/v1/health/database` when the database answers (reference: DatabaseHealthResponse). */
export class DatabaseHealthResponse {
  @ApiProperty({ type: String, title: 'Status', enum: ['healthy'] })
  status: 'healthy';

  @ApiProperty({ type: String, nullable: true, required: false, title: 'Version' })
  version: string | null;

  @ApiProperty({ type: String, nullable: true, required: false, title: 'Connection', example: 'ok' })
  connection: string | null;

  @ApiProperty({ type: String, nullable: true, required: false, title: 'Error' })
  error: string | null;

  @ApiProperty({ type: String, title: 'Timestamp', description: 'ISO 8601', example: '2026-01-01T00:00:00.000Z' })
  timestamp: string;
}
