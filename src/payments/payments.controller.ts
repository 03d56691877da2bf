import { ROLE_HEADERS_REFUSED } from '../auth/role-headers.guard';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiDeveloperAuth } from '../auth/api-developer-auth.decorator';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiErrorResponses } from '../http/api-error-responses.decorator';
import { OwnedProject, RequestProject } from '../projects/guards/project-ownership.guard';
import type { Project } from '../projects/project.entity';
import {
  AggregatedLedgerQuery,
  AggregatedPaymentListResponse,
  AggregatedSubscriptionListResponse,
  PaymentStatsResponse,
  ProjectLedgerQuery,
  ProjectPaymentConfigListResponse,
  StatsQuery,
  StripePaymentListResponse,
  StripeSubscriptionListResponse,
} from './dto/payments.dto';
import { PaymentsService } from './payments.service';
import { DeveloperListingLimit } from '../rate-limit/rate-limit.decorators';

const PAGE_ISSUE = {
  status: 422 as const,
  issue: { loc: ['query', 'page_size'], msg: 'page_size must not be greater than 100', type: 'less_than_equal' },
};
const ORDER =
  'Newest first by Stripe\'s `created` (ties by id); `page` ≥ 1, `page_size` 1–100 (default 50). The ledger is built from the verified Stripe events of the project (see "Payments ledger" in docs/api.md): a subscription or payment appears in its final state whatever order Stripe delivered its events in.';

/** One project's ledger: its owner only (same 401/403/404/422 as the config). */
@ApiTags('Stripe Configuration')
@ApiDeveloperAuth()
@ApiErrorResponses(ROLE_HEADERS_REFUSED, 503)
@OwnedProject('project_id')
@Controller('payments/stripe/projects/:project_id')
export class ProjectPaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  @Get('subscriptions')
  @DeveloperListingLimit()
  @ApiOperation({
    operationId: 'listProjectSubscriptions',
    summary: 'List Project Subscriptions',
    description: `The project's Stripe subscriptions in one mode (\`test_mode\`, true by default). ${ORDER}`,
  })
  @ApiOkResponse({ type: StripeSubscriptionListResponse })
  @ApiErrorResponses(401, 403, 404, 422)
  subscriptions(
    @RequestProject() project: Project,
    @Query() query: ProjectLedgerQuery,
  ): Promise<StripeSubscriptionListResponse> {
    return this.payments.projectSubscriptions(project.id, query);
  }

  @Get('payments')
  @DeveloperListingLimit()
  @ApiOperation({
    operationId: 'listProjectPayments',
    summary: 'List Project Payments',
    description: `The project's Stripe payments in one mode (\`test_mode\`, true by default): one per payment intent, refunds in \`refunded_amount_cents\`. ${ORDER}`,
  })
  @ApiOkResponse({ type: StripePaymentListResponse })
  @ApiErrorResponses(401, 403, 404, 422)
  list(@RequestProject() project: Project, @Query() query: ProjectLedgerQuery): Promise<StripePaymentListResponse> {
    return this.payments.projectPayments(project.id, query);
  }
}

/** Across the caller's projects. */
@ApiTags('Payments')
@ApiDeveloperAuth()
@ApiErrorResponses(ROLE_HEADERS_REFUSED, 503)
@Controller('payments')
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  @Get('subscriptions')
  @DeveloperListingLimit()
  @ApiOperation({
    operationId: 'listAllSubscriptions',
    summary: 'List All Subscriptions',
    description: `Subscriptions across the developer's projects, optionally filtered by project, mode (both when \`test_mode\` is absent) and status. ${ORDER}`,
  })
  @ApiOkResponse({ type: AggregatedSubscriptionListResponse })
  @ApiErrorResponses(401, { status: 403, detail: 'Developer role required' }, PAGE_ISSUE)
  subscriptions(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: AggregatedLedgerQuery,
  ): Promise<AggregatedSubscriptionListResponse> {
    return this.payments.allSubscriptions(user.id, query);
  }

  @Get('transactions')
  @DeveloperListingLimit()
  @ApiOperation({
    operationId: 'listAllTransactions',
    summary: 'List All Transactions',
    description: `Payments across the developer's projects, optionally filtered by project, mode (both when \`test_mode\` is absent) and status (\`refunded\`: refunds reached the amount). ${ORDER}`,
  })
  @ApiOkResponse({ type: AggregatedPaymentListResponse })
  @ApiErrorResponses(401, { status: 403, detail: 'Developer role required' }, PAGE_ISSUE)
  transactions(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: AggregatedLedgerQuery,
  ): Promise<AggregatedPaymentListResponse> {
    return this.payments.allPayments(user.id, query);
  }

  @Get('projects')
  @DeveloperListingLimit()
  @ApiOperation({
    operationId: 'listProjectsPaymentConfig',
    summary: 'List Projects Payment Config',
    description:
      "The developer's projects (at most 200) with their payment configuration status: an active configuration, test and live secret keys stored, when each mode was configured.",
  })
  @ApiOkResponse({ type: ProjectPaymentConfigListResponse })
  @ApiErrorResponses(401, { status: 403, detail: 'Developer role required' })
  projects(@CurrentUser() user: AuthenticatedUser): Promise<ProjectPaymentConfigListResponse> {
    return this.payments.projectConfigs(user.id);
  }

  @Get('stats')
  @DeveloperListingLimit()
  @ApiOperation({
    operationId: 'getPaymentStats',
    summary: 'Get Payment Statistics',
    description:
      "Across the developer's projects, in one mode (`test_mode`, true by default): projects and their configuration, subscriptions (active = active or trialing), payments (successful = succeeded) and revenue, refunds netted. Revenue is never summed across currencies: `total_revenue_cents` and `currency` are the only currency's, else the one with the most successful payments; `revenue_by_currency` lists every currency.",
  })
  @ApiOkResponse({ type: PaymentStatsResponse })
  @ApiErrorResponses(
    401,
    { status: 403, detail: 'Developer role required' },
    {
      status: 422,
      issue: { loc: ['query', 'test_mode'], msg: 'test_mode must be a boolean', type: 'bool_parsing' },
    },
  )
  stats(@CurrentUser() user: AuthenticatedUser, @Query() query: StatsQuery): Promise<PaymentStatsResponse> {
    return this.payments.stats(user.id, query);
  }
}
