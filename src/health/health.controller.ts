import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ApiErrorResponses } from '../http/api-error-responses.decorator';
import { Public } from '../auth/public.decorator';
import { DATABASE_UNAVAILABLE_DETAIL } from '../database/database-unavailable';
import { DatabaseHealthResponse, HealthCheckResponse } from './dto/health.dto';

/** How long the database ping may take before the database is reported down. */
const DATABASE_PING_TIMEOUT_MS = 1500;

/**
 * Liveness and readiness probes (@nestjs/terminus), with the reference API's paths and body shapes.
 * Unauthenticated, and they say only up or down: no versions, hosts or driver messages.
 */
@ApiTags('Health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
  ) {}

  @Get()
  @ApiOperation({
    operationId: 'getHealth',
    summary: 'Health Check',
    description:
      'Liveness: 200 while the process serves HTTP. `status` is `healthy`, or `degraded` when the database does not answer a ping (see `database.status`).',
  })
  @ApiOkResponse({ type: HealthCheckResponse })
  async getHealth(): Promise<HealthCheckResponse> {
    const databaseUp = await this.databaseAnswers();
    return {
      status: databaseUp ? 'healthy' : 'degraded',
      database: { status: databaseUp ? 'up' : 'down' },
      file_storage: { status: 'not_used' },
      redis: { status: 'not_used' },
      timestamp: new Date().toISOString(),
      version: null,
      note: null,
      error: null,
    };
  }

  @Get('database')
  @ApiOperation({
    operationId: 'getDatabaseHealth',
    summary: 'Database Health Check',
    description: `Readiness: the database answers a ping within ${DATABASE_PING_TIMEOUT_MS} ms; 503 \`{"detail"}\` otherwise.`,
  })
  @ApiOkResponse({ type: DatabaseHealthResponse })
  @ApiErrorResponses(503)
  async getDatabaseHealth(): Promise<DatabaseHealthResponse> {
    // Terminus' own error body names the driver error: answer with the API's `{"detail"}` instead.
    if (!(await this.databaseAnswers())) throw new ServiceUnavailableException(DATABASE_UNAVAILABLE_DETAIL);
    return { status: 'healthy', version: null, connection: 'ok', error: null, timestamp: new Date().toISOString() };
  }

  private async databaseAnswers(): Promise<boolean> {
    try {
      await this.health.check([() => this.db.pingCheck('database', { timeout: DATABASE_PING_TIMEOUT_MS })]);
      return true;
    } catch {
      return false;
    }
  }
}
