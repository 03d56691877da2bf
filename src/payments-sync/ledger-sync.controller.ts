import { ROLE_HEADERS_REFUSED } from '../auth/role-headers.guard';
import { Body, Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiDeveloperAuth } from '../auth/api-developer-auth.decorator';
import { ApiErrorResponses } from '../http/api-error-responses.decorator';
import { ApiRequestExample } from '../openapi/openapi.decorators';
import { OwnedProject, RequestProject } from '../projects/guards/project-ownership.guard';
import type { Project } from '../projects/project.entity';
import { StripeCallRateLimit } from '../rate-limit/rate-limit.decorators';
import {
  PAYMENT_SYNC_QUEUED_EXAMPLE,
  PAYMENT_SYNC_STATUS_EXAMPLE,
  PaymentSyncState,
  PaymentSyncStatusResponse,
  StartPaymentSyncRequest,
} from './dto/ledger-sync.dto';
import { LedgerSyncService } from './ledger-sync.service';

const SYNC_DESCRIPTION =
  "A sync reads the project's existing subscriptions, invoices, payment intents and charges from Stripe (lists of 100, `starting_after`) with the stored secret key of the mode, in the background, and projects each into the ledger as of the moment it was read: an event Stripe delivers meanwhile that is newer wins over the imported state. Bounded: `PAYMENTS_SYNC_MAX_PAGES_PER_RUN` pages per job run (then the next run continues where it stopped, also after a restart), `PAYMENTS_SYNC_MAX_STRIPE_CALLS` calls in all, `PAYMENTS_JOB_STRIPE_RATE` calls a second per instance.";

@ApiTags('Stripe Configuration')
@ApiDeveloperAuth()
@ApiErrorResponses(ROLE_HEADERS_REFUSED, 503)
@OwnedProject('project_id')
@Controller('payments/stripe/projects/:project_id/payments/sync')
export class LedgerSyncController {
  constructor(private readonly syncs: LedgerSyncService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @StripeCallRateLimit()
  @ApiRequestExample({
    summary: "Test mode (with the documentation's example key stored, the sync ends failed without calling Stripe)",
    value: { mode: 'test' },
  })
  @ApiOperation({
    operationId: 'startStripePaymentSync',
    summary: 'Sync Stripe Payments',
    description: `Queues a sync of one mode and answers its state (\`queued\`). One sync per project and mode at a time: 409 while one is queued or running. A mode without a stored secret key is a 409 too. Rate-limited per developer with the other operations that call Stripe (\`RATE_LIMIT_STRIPE\`). ${SYNC_DESCRIPTION}`,
  })
  @ApiAcceptedResponse({ type: PaymentSyncState, example: PAYMENT_SYNC_QUEUED_EXAMPLE })
  @ApiErrorResponses(
    401,
    403,
    404,
    { status: 409, detail: 'A test-mode sync of this project is already running' },
    413,
    415,
    { status: 422, issue: { loc: ['body', 'mode'], msg: 'mode must be test or live', type: 'value_error' } },
  )
  start(@RequestProject() project: Project, @Body() body: StartPaymentSyncRequest): Promise<PaymentSyncState> {
    return this.syncs.start(project.id, body.mode);
  }

  @Get()
  @ApiOperation({
    operationId: 'getStripePaymentSync',
    summary: 'Get Stripe Payment Sync',
    description: `The state of the last (or current) sync of each mode: status, counts, times, last error (null: that mode was never synced). ${SYNC_DESCRIPTION}`,
  })
  @ApiOkResponse({ type: PaymentSyncStatusResponse, example: PAYMENT_SYNC_STATUS_EXAMPLE })
  @ApiErrorResponses(401, 403, 404, 422)
  status(@RequestProject() project: Project): Promise<PaymentSyncStatusResponse> {
    return this.syncs.status(project.id);
  }
}
