import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ApiErrorResponses } from '../common/decorators/api-error-responses.decorator';
import { Public } from '../common/decorators/public.decorator';
import { DATABASE_UNAVAILABLE_DETAIL } from '../common/errors/database-unavailable';

/** How long the database ping may take before the database is reported down. */
export const DATABASE_PING_TIMEOUT_MS = 1500;

export class HealthResponse {
  @ApiProperty({ example: 'ok', enum: ['ok'] })
  status: 'ok';

  @ApiProperty({
    description: 'State of each checked dependency',
    example: { database: { status: 'up' } },
    type: 'object',
    additionalProperties: true,
  })
  info: Record<string, { status: string }>;
}

/**
 * Liveness and readiness probes (@nestjs/terminus). Unauthenticated, and they say only up or down:
 * no versions, hosts or driver messages.
 */
@ApiTags('Health')
@Public()
@Controller('api/v1/health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
  ) {}

  @Get()
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({
    operationId: 'getHealth',
    summary: 'Liveness',
    description: 'The process is up and serving HTTP. Does not touch the database.',
  })
  @ApiOkResponse({ type: HealthResponse })
  async getHealth(): Promise<HealthResponse> {
    await this.health.check([]);
    return { status: 'ok', info: {} };
  }

  @Get('database')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({
    operationId: 'getDatabaseHealth',
    summary: 'Database readiness',
    description: `The database answers a ping within ${DATABASE_PING_TIMEOUT_MS} ms; 503 otherwise.`,
  })
  @ApiOkResponse({ type: HealthResponse })
  @ApiErrorResponses(503)
  async getDatabaseHealth(): Promise<HealthResponse> {
    try {
      await this.health.check([() => this.db.pingCheck('database', { timeout: DATABASE_PING_TIMEOUT_MS })]);
    } catch {
      // Terminus' own error body names the driver error: replace it with the API's `{"detail"}`.
      throw new ServiceUnavailableException(DATABASE_UNAVAILABLE_DETAIL);
    }
    return { status: 'ok', info: { database: { status: 'up' } } };
  }
}
