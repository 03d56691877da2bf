import { Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiDeveloperAuth } from '../auth/api-developer-auth.decorator';
import { ApiErrorResponses } from '../http/api-error-responses.decorator';
import { TakesNoBody } from '../http/request-body';
import { StripeCallRateLimit } from '../rate-limit/rate-limit.decorators';
import { OwnedProject, RequestProject } from '../projects/guards/project-ownership.guard';
import type { Project } from '../projects/project.entity';
import { STRIPE_HEALTH_EXAMPLE, StripeHealthResponse } from './dto/stripe-health.dto';
import { StripeHealthService } from './stripe-health.service';

const REPORT_DESCRIPTION =
  "Per mode, a list of checks `{check, code, status, message, checked_at}`: the secret key (the outcome of its last check against Stripe, run in the background every `HEALTH_CHECK_INTERVAL`), the publishable key, the webhook endpoint in Stripe (registered for this project's URL, enabled, listening to the events the service needs), webhook deliveries (last verified event; deliveries refused in the last 24 h and their most likely cause: wrong webhook secret, clock skew, endpoint on the wrong URL), and, for live, go-live readiness. Messages name fields and masked forms only.";

@ApiTags('Stripe Integration Health')
@ApiDeveloperAuth()
@ApiErrorResponses(503)
@OwnedProject('project_id')
@Controller('payments/stripe/projects/:project_id/health')
export class StripeHealthController {
  constructor(private readonly health: StripeHealthService) {}

  @Get()
  @ApiOperation({
    operationId: 'getStripeHealth',
    summary: 'Get Stripe Integration Health',
    description: `${REPORT_DESCRIPTION} Reads stored outcomes and counters only: no call to Stripe.`,
  })
  @ApiOkResponse({ type: StripeHealthResponse, example: STRIPE_HEALTH_EXAMPLE })
  @ApiErrorResponses(401, 403, 404, 422)
  get(@RequestProject() project: Project): Promise<StripeHealthResponse> {
    return this.health.report(project.id);
  }

  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @StripeCallRateLimit()
  @ApiOperation({
    operationId: 'refreshStripeHealth',
    summary: 'Refresh Stripe Integration Health',
    description: `Checks the stored secret key of each mode and its account's webhook endpoints against Stripe now (a mode another instance is checking at this moment is left to it), stores the outcomes, and answers the report. Rate-limited per developer with the other operations that call Stripe (\`RATE_LIMIT_STRIPE\`): 429 with \`Retry-After\`. ${REPORT_DESCRIPTION}`,
  })
  @ApiOkResponse({ type: StripeHealthResponse, example: STRIPE_HEALTH_EXAMPLE })
  @TakesNoBody()
  @ApiErrorResponses(401, 403, 404, 422)
  refresh(@RequestProject() project: Project): Promise<StripeHealthResponse> {
    return this.health.refresh(project.id);
  }
}
