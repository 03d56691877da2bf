import { Body, Controller, Get, Header, Headers, HttpCode, HttpStatus, Param, Post, Query, Req } from '@nestjs/common';
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
import { ApiDeveloperAuth } from '../auth/api-developer-auth.decorator';
import { ApiErrorResponses } from '../http/api-error-responses.decorator';
import type { PathParameterNames } from '../http/api-exception.filter';
import { CurrentUser } from '../auth/current-user.decorator';
import { Public } from '../auth/public.decorator';
import { CurrentRequestMeta, RequestMeta } from '../http/request-context';
import {
  DeveloperEventReadLimit,
  DeveloperListingLimit,
  StripeCallRateLimit,
} from '../rate-limit/rate-limit.decorators';
import { HTTPError } from '../http/error-response.dto';
import { readRawBody, ReadsOwnBody } from '../http/request-body';
import { holdMemory } from '../http/memory-budget';
import { chargeDeveloperBytes } from '../rate-limit/developer-limits';
import { WEBHOOK_RECEIVER_PATH } from '../stripe/webhook-urls';
import { OwnedProject, RequestProject } from '../projects/guards/project-ownership.guard';
import type { Project } from '../projects/project.entity';
import { CreateWebhookEndpointRequest, WebhookEndpointResponse } from './dto/webhook-endpoint.dto';
import {
  ListWebhookEventsQuery,
  WebhookEventListResponse,
  WebhookEventResponse,
  WebhookReceivedResponse,
} from './dto/webhook-event.dto';
import { StripeWebhooksService } from './stripe-webhooks.service';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { ApiRequestExample } from '../openapi/openapi.decorators';
import { ROLE_HEADERS_REFUSED } from '../auth/role-headers.guard';

/**
 * The receiver's path parameters, by the literal segment they follow (`.../webhooks/{project_id}/{mode}`):
 * an undecodable one is a 422 naming it (see PathParameterNames).
 */
export const WEBHOOK_RECEIVER_PATH_PARAMETERS: PathParameterNames = {
  [WEBHOOK_RECEIVER_PATH.split('/').pop()!]: [{ name: 'project_id', uuid: true }, { name: 'mode' }],
};

/** Where Stripe delivers events: public (Stripe signs the body instead of sending a bearer token). */
@ApiTags('Stripe Webhooks')
@Public()
@ApiErrorResponses(503)
@Controller(WEBHOOK_RECEIVER_PATH)
export class StripeWebhookReceiverController {
  constructor(private readonly webhooks: StripeWebhooksService) {}

  @Post(':project_id/:mode')
  // The body is read by the handler (readRawBody), once the project, configuration and secret are checked.
  @ReadsOwnBody()
  @HttpCode(HttpStatus.OK)
  @ApiRequestExample({
    summary: 'An event as Stripe sends it (refused with 400 without a valid Stripe-Signature)',
    value: {
      id: 'evt_EXAMPLE',
      object: 'event',
      type: 'checkout.session.completed',
      livemode: false,
      created: 1700000000,
      data: { object: { id: 'cs_test_EXAMPLE', object: 'checkout.session' } },
    },
  })
  @ApiOperation({
    operationId: 'receiveStripeWebhook',
    summary: 'Receive Stripe Webhook',
    description:
      "Stripe's deliveries for a project. No bearer token: the `Stripe-Signature` header is verified over the raw body with the webhook secret stored for the mode (HMAC-SHA256, any `v1` signature may match, 300 s tolerance). A verified event is stored once per project, mode and event id; a redelivery answers 200 with `duplicate: true`. The project, its configuration and the secret are checked before the body is read; bodies over 64 KiB are read at most 8 at a time, 2 from one client address (then 503 with `Retry-After`); a body must arrive within 30 s, and at 4 KiB/s or more once 5 s have passed, or its connection is closed. Each project's verified deliveries are stored at most 2 at a time (per instance); up to 20 more wait at most 5 s, then 503 with `Retry-After` (nothing stored: Stripe retries). A delivery that fails verification is refused before it can take a place.",
  })
  @ApiParam({ name: 'project_id', required: true, schema: { type: 'string', format: 'uuid', title: 'Project Id' } })
  @ApiParam({ name: 'mode', required: true, schema: { type: 'string', enum: ['test', 'live'], title: 'Mode' } })
  @ApiHeader({
    name: 'Stripe-Signature',
    required: true,
    description: '`t=<timestamp>,v1=<signature>[,v1=...]`',
    // Pre-filled by Swagger UI: a well-formed header whose signature never matches (400).
    example: 't=1700000000,v1=EXAMPLE',
  })
  @ApiBody({
    description: 'The event, exactly as Stripe sent it (verified byte for byte)',
    schema: { type: 'object', additionalProperties: true },
  })
  @ApiOkResponse({ type: WebhookReceivedResponse })
  @ApiResponse({
    status: 400,
    type: HTTPError,
    example: { detail: 'Missing Stripe-Signature header' },
    description:
      'Missing or malformed Stripe-Signature header, no valid signature, timestamp outside the tolerance, unknown mode, no webhook secret stored for the mode, inactive configuration or project, an event PostgreSQL cannot store (NUL, unpaired surrogate, nested over 128 levels), or an event whose livemode contradicts the mode',
  })
  @ApiResponse({
    status: 413,
    type: HTTPError,
    description: 'Request body larger than 1 MiB, or an event holding more than 100,000 values (object keys included)',
    example: { detail: 'Request body too large' },
  })
  @ApiResponse({
    status: 503,
    type: HTTPError,
    description:
      "The database cannot be reached, too many large deliveries (over 64 KiB) are being received at once (8, 2 from one client address), too much data is being received at once (the memory budget), or too many of the project's verified deliveries are being stored at once (2, and 20 waiting up to 5 s); nothing was stored, `Retry-After` says when to retry",
    headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } },
    example: { detail: 'Too many large webhook deliveries are being received at once; retry later' },
  })
  @ApiErrorResponses(404, { status: 415, detail: 'Unsupported content encoding or charset' }, 422)
  receive(
    @Param('project_id') projectId: string,
    @Param('mode') mode: string,
    @Headers('stripe-signature') signature: string | undefined,
    @Req() req: FastifyRequest,
    @CurrentRequestMeta() meta: RequestMeta,
  ): Promise<WebhookReceivedResponse> {
    const length = req.headers['content-length'];
    return this.webhooks.receive(
      projectId,
      mode,
      signature,
      {
        length: length === undefined || req.headers['transfer-encoding'] ? undefined : Number(length),
        read: () => readRawBody(req),
        hold: (bytes) => holdMemory(req, bytes),
      },
      meta.clientIp,
    );
  }
}

@ApiTags('Stripe Webhooks')
@ApiDeveloperAuth()
@ApiErrorResponses(ROLE_HEADERS_REFUSED, 503)
@OwnedProject('project_id')
@Controller('payments/stripe/projects/:project_id')
export class StripeWebhooksController {
  constructor(
    private readonly webhooks: StripeWebhooksService,
    private readonly endpoints: WebhookEndpointsService,
  ) {}

  @Get('webhook-events')
  @DeveloperListingLimit()
  @ApiOperation({
    operationId: 'listWebhookEvents',
    summary: 'List Webhook Events',
    description:
      'The Stripe events received for the project, newest first, paginated and optionally filtered by mode and type: shows that Stripe reaches the service. An event larger than 16 KiB is listed with a summary as `payload` and `payload_truncated: true`; `GET .../webhook-events/{webhook_event_id}` returns it whole.',
  })
  @ApiOkResponse({ type: WebhookEventListResponse })
  @ApiErrorResponses(401, 403, 404, 422)
  // The JSON text is built by the service (payloads as PostgreSQL renders them, see list()).
  @Header('Content-Type', 'application/json; charset=utf-8')
  list(
    @RequestProject() project: Project,
    @Query() query: ListWebhookEventsQuery,
    @Req() req: FastifyRequest,
  ): Promise<string> {
    return this.webhooks.list(project.id, query, (bytes) => holdMemory(req, bytes));
  }

  @Get('webhook-events/:webhook_event_id')
  @DeveloperEventReadLimit()
  @ApiOperation({
    operationId: 'getWebhookEvent',
    summary: 'Get Webhook Event',
    description: 'One received event of the project (its `id` in the list), with its whole payload.',
  })
  @ApiParam({
    name: 'webhook_event_id',
    required: true,
    // The example is pre-filled by Swagger UI's "Try it out": a well-formed id that names no event (404).
    schema: {
      type: 'string',
      format: 'uuid',
      title: 'Webhook Event Id',
      example: '00000000-0000-4000-8000-000000000000',
    },
  })
  @ApiOkResponse({ type: WebhookEventResponse })
  @ApiErrorResponses(401, 403, { status: 404, detail: 'Webhook event not found' }, 422)
  @Header('Content-Type', 'application/json; charset=utf-8')
  async getOne(
    @RequestProject() project: Project,
    @Param('webhook_event_id') webhookEventId: string,
    @Req() req: FastifyRequest,
  ): Promise<string> {
    const json = await this.webhooks.findOne(project.id, webhookEventId, (bytes) => holdMemory(req, bytes));
    // Its characters, about its bytes: what serving it costs grows with them.
    chargeDeveloperBytes(req, json.length);
    return json;
  }

  @Post('webhook-endpoints')
  @HttpCode(HttpStatus.CREATED)
  @StripeCallRateLimit()
  @ApiRequestExample({
    summary: 'Test mode (needs a real test secret key stored; the example key is refused with 409)',
    value: { mode: 'test' },
  })
  @ApiOperation({
    operationId: 'createWebhookEndpoint',
    summary: 'Create Webhook Endpoint',
    description:
      "With the stored secret key of the mode, creates the project's webhook endpoint in its Stripe account (URL from webhook-urls; every event the payments ledger reads: checkout.session.completed, customer.subscription.created/updated/deleted, invoice.paid, invoice.payment_failed, invoice_payment.paid, payment_intent.succeeded, payment_intent.payment_failed, charge.refunded; API version pinned to 2026-07-29.dahlia) and stores the signing secret Stripe returns as the mode's webhook secret. Calling it again updates the endpoint it created in place (URL and events; its secret stays valid, `replaced_endpoint_id` null); when that endpoint is gone from Stripe, or its secret is not stored, it is replaced (deleted in Stripe, then a new one created). A call that timed out (504) may still have created the endpoint in Stripe: call again, and the retry gets that endpoint back (same Idempotency-Key) or removes it, so Stripe ends up with one endpoint per project and mode. 409 also when the stored key cannot be decrypted.",
  })
  @ApiCreatedResponse({ type: WebhookEndpointResponse })
  @ApiErrorResponses(
    401,
    403,
    404,
    { status: 409, detail: 'The project has no active Stripe configuration: PUT its config first' },
    413,
    415,
    { status: 422, issue: { loc: ['body', 'mode'], msg: 'mode must be test or live', type: 'literal_error' } },
    429,
    502,
    504,
  )
  createEndpoint(
    @RequestProject() project: Project,
    @CurrentUser() user: AuthenticatedUser,
    @CurrentRequestMeta() meta: RequestMeta,
    @Body() body: CreateWebhookEndpointRequest,
  ): Promise<WebhookEndpointResponse> {
    return this.endpoints.create(project.id, body.mode, { userId: user.id, ...meta });
  }
}
