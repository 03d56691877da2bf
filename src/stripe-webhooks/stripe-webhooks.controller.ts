import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query, Req } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { ApiDeveloperAuth } from '../common/decorators/api-developer-auth.decorator';
import { ApiErrorResponses } from '../common/decorators/api-error-responses.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Public } from '../common/decorators/public.decorator';
import { CurrentRequestMeta, RequestMeta } from '../common/request-context';
import { StripeCallRateLimit } from '../common/rate-limit/rate-limit.decorators';
import { HTTPError } from '../common/errors/error-response.dto';
import { OwnedProject, RequestProject } from '../projects/guards/project-ownership.guard';
import type { Project } from '../projects/project.entity';
import { CreateWebhookEndpointRequest, WebhookEndpointResponse } from './dto/webhook-endpoint.dto';
import { ListWebhookEventsQuery, WebhookEventListResponse, WebhookReceivedResponse } from './dto/webhook-event.dto';
import { StripeWebhooksService } from './stripe-webhooks.service';
import { WebhookEndpointsService } from './webhook-endpoints.service';

/** Set by the raw body parser of the webhook route (see common/http/request-body.ts). */
type RawBodyRequest = FastifyRequest & { rawBody?: Buffer };

/** Where Stripe delivers events: public (Stripe signs the body instead of sending a bearer token). */
@ApiTags('Stripe Webhooks')
@Public()
@ApiErrorResponses(503)
@Controller('api/v1/payments/stripe/webhooks')
export class StripeWebhookReceiverController {
  constructor(private readonly webhooks: StripeWebhooksService) {}

  @Post(':project_id/:mode')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'receiveStripeWebhook',
    summary: 'Receive Stripe Webhook',
    description:
      "Stripe's deliveries for a project. No bearer token: the `Stripe-Signature` header is verified over the raw body with the webhook secret stored for the mode (HMAC-SHA256, any `v1` signature may match, 300 s tolerance). A verified event is stored once per project, mode and event id; a redelivery answers 200 with `duplicate: true`.",
  })
  @ApiParam({ name: 'project_id', required: true, schema: { type: 'string', format: 'uuid', title: 'Project Id' } })
  @ApiParam({ name: 'mode', required: true, schema: { type: 'string', enum: ['test', 'live'], title: 'Mode' } })
  @ApiHeader({ name: 'Stripe-Signature', required: true, description: '`t=<timestamp>,v1=<signature>[,v1=...]`' })
  @ApiBody({
    description: 'The event, exactly as Stripe sent it (verified byte for byte)',
    schema: { type: 'object', additionalProperties: true },
  })
  @ApiOkResponse({ type: WebhookReceivedResponse })
  @ApiResponse({
    status: 400,
    type: HTTPError,
    description:
      'Missing or malformed Stripe-Signature header, no valid signature, timestamp outside the tolerance, unknown mode, no webhook secret stored for the mode, inactive configuration, or an event whose livemode contradicts the mode',
  })
  @ApiResponse({ status: 413, type: HTTPError, description: 'Request body larger than 1 MiB' })
  @ApiErrorResponses(404, 415, 422)
  receive(
    @Param('project_id') projectId: string,
    @Param('mode') mode: string,
    @Headers('stripe-signature') signature: string | undefined,
    @Req() req: RawBodyRequest,
  ): Promise<WebhookReceivedResponse> {
    return this.webhooks.receive(projectId, mode, signature, req.rawBody);
  }
}

@ApiTags('Stripe Webhooks')
@ApiDeveloperAuth()
@ApiErrorResponses(503)
@OwnedProject('project_id')
@Controller('api/v1/payments/stripe/projects/:project_id')
export class StripeWebhooksController {
  constructor(
    private readonly webhooks: StripeWebhooksService,
    private readonly endpoints: WebhookEndpointsService,
  ) {}

  @Get('webhook-events')
  @ApiOperation({
    operationId: 'listWebhookEvents',
    summary: 'List Webhook Events',
    description:
      'The Stripe events received for the project, newest first, paginated and optionally filtered by mode and type: shows that Stripe reaches the service.',
  })
  @ApiOkResponse({ type: WebhookEventListResponse })
  @ApiErrorResponses(401, 403, 404, 422)
  list(@RequestProject() project: Project, @Query() query: ListWebhookEventsQuery): Promise<WebhookEventListResponse> {
    return this.webhooks.list(project.id, query);
  }

  @Post('webhook-endpoints')
  @HttpCode(HttpStatus.CREATED)
  @StripeCallRateLimit()
  @ApiOperation({
    operationId: 'createWebhookEndpoint',
    summary: 'Create Webhook Endpoint',
    description:
      "With the stored secret key of the mode, creates the project's webhook endpoint in its Stripe account (URL from webhook-urls; checkout, subscription and invoice events) and stores the signing secret Stripe returns as the mode's webhook secret. Calling it again replaces the endpoint it created before (deleted in Stripe, then a new one created). A call that timed out (504) may still have created the endpoint in Stripe: call again, and the retry gets that endpoint back (same Idempotency-Key) or removes it, so Stripe ends up with one endpoint per project and mode. 409 also when the stored key cannot be decrypted.",
  })
  @ApiCreatedResponse({ type: WebhookEndpointResponse })
  @ApiErrorResponses(401, 403, 404, 409, 413, 415, 422, 429, 502, 504)
  createEndpoint(
    @RequestProject() project: Project,
    @CurrentUser() user: AuthenticatedUser,
    @CurrentRequestMeta() meta: RequestMeta,
    @Body() body: CreateWebhookEndpointRequest,
  ): Promise<WebhookEndpointResponse> {
    return this.endpoints.create(project.id, body.mode, { userId: user.id, ...meta });
  }
}
