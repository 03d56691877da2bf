import { Body, Controller, Delete, Get, Headers, HttpCode, HttpStatus, Put, Post, Res } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { ApiDeveloperAuth } from '../auth/api-developer-auth.decorator';
import { ApiErrorResponses } from '../http/api-error-responses.decorator';
import { CurrentUser } from '../auth/current-user.decorator';
import { formatEtag, parseIfMatch } from '../http/etag';
import { CurrentRequestMeta, RequestMeta } from '../http/request-context';
import { DeveloperWriteLimit, StripeCallRateLimit } from '../rate-limit/rate-limit.decorators';
import {
  OwnedProject,
  ProjectPreloaded,
  RequestProject,
  WithProjectPreload,
} from '../projects/guards/project-ownership.guard';
import type { Project } from '../projects/project.entity';
import { StripeConfigRequest, StripeConfigResponse, StripeWebhookUrlsResponse } from './dto/stripe-config.dto';
import { ValidateStripeCredentialsRequest, ValidateStripeCredentialsResponse } from './dto/validate-credentials.dto';
import { StripeConfigView, toStripeConfigResponse } from './stripe-config.mapper';
import { STRIPE_CONFIG_PRELOAD } from './stripe-config.preload';
import { describeCleanups, StripeConfigService } from './stripe-config.service';
import { ApiRequestExample } from '../openapi/openapi.decorators';
import { EXAMPLE_CREDENTIALS } from './example-credentials';
import { ROLE_HEADERS_REFUSED } from '../auth/role-headers.guard';

/** Response header of DELETE config telling what happened to the webhook endpoints created in Stripe. */
export const WEBHOOK_CLEANUP_HEADER = 'Stripe-Webhook-Endpoint-Cleanup';

const ETAG_HEADER = {
  ETag: {
    description: 'The configuration\'s version as a strong entity tag, e.g. `"7"`; send it back in `If-Match`.',
    schema: { type: 'string', example: '"7"' },
  },
};

const IF_MATCH_HEADER = {
  name: 'If-Match',
  required: false,
  description:
    'Optimistic concurrency: the ETag from a previous GET or PUT (`"7"`, a list such as `"6", "7"`, or `*`), compared as RFC 9110 says for If-Match (strong comparison: a weak tag `W/"7"` never matches, `"07"` is not `"7"`). If the configuration is no longer at that version (or does not exist), nothing is written and the answer is 412 with the current version in `detail`. Without it the request applies as usual. A value that is not entity-tag syntax is a 422.',
  // No example: Swagger UI would pre-fill it in "Try it out" and every such request would be a 412.
  schema: { type: 'string' },
};

@ApiTags('Stripe Configuration')
@ApiDeveloperAuth()
@ApiErrorResponses(ROLE_HEADERS_REFUSED, 503)
@OwnedProject('project_id')
@Controller('payments/stripe/projects/:project_id')
export class StripeConfigController {
  constructor(private readonly stripeConfig: StripeConfigService) {}

  @Get('config')
  @ApiOperation({
    operationId: 'getStripeConfig',
    summary: 'Get Stripe Configuration',
    description:
      'Retrieve the Stripe payment configuration for a project including masked credential information. `null` when the project has none.',
  })
  @ApiExtraModels(StripeConfigResponse)
  @ApiOkResponse({
    description: 'The configuration, or null. `ETag` (its version) when there is one.',
    schema: { anyOf: [{ $ref: getSchemaPath(StripeConfigResponse) }, { type: 'null' }] },
    headers: ETAG_HEADER,
  })
  @ApiErrorResponses(401, 403, 404, 422)
  @WithProjectPreload(STRIPE_CONFIG_PRELOAD)
  get(
    @ProjectPreloaded() config: StripeConfigView | null,
    @Res({ passthrough: true }) res: FastifyReply,
  ): StripeConfigResponse | null {
    if (!config) return null;
    res.header('ETag', formatEtag(config.version));
    return toStripeConfigResponse(config);
  }

  @Put('config')
  @DeveloperWriteLimit()
  @ApiRequestExample({
    summary: "Test-mode only, the documentation's example keys (not real; never sent to Stripe)",
    value: { ...EXAMPLE_CREDENTIALS },
  })
  @ApiOperation({
    operationId: 'updateStripeConfig',
    summary: 'Update Stripe Configuration',
    description:
      'Create or update Stripe payment configuration for a project. Supports both test and live credentials. Omitted or null fields keep their stored value; a deactivated configuration is reactivated. At least one credential must be given: a body with nothing to change (`{}`, or only nulls) is a 422 (`At least one Stripe credential must be provided`). The answer carries the new `version`, whose quoted form is the `ETag`.',
  })
  @ApiHeader(IF_MATCH_HEADER)
  @ApiOkResponse({ type: StripeConfigResponse, headers: ETAG_HEADER })
  @ApiErrorResponses(401, 403, 404, 409, 412, 413, 415, {
    status: 422,
    issue: {
      loc: ['body', 'test_secret_key'],
      msg: 'test_secret_key expects a test-mode key (sk_test_ or rk_test_), but a live-mode key was given',
      type: 'stripe_mode_mismatch',
    },
  })
  async update(
    @RequestProject() project: Project,
    @Body() body: StripeConfigRequest,
    @Headers('if-match') ifMatchHeader: string | undefined,
    @CurrentUser() user: AuthenticatedUser,
    @CurrentRequestMeta() meta: RequestMeta,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<StripeConfigResponse> {
    const ifMatch = parseIfMatch(ifMatchHeader);
    const saved = await this.stripeConfig.upsert(project.id, body, { userId: user.id, ...meta }, ifMatch);
    res.header('ETag', formatEtag(saved.version));
    return saved.body;
  }

  @Delete('config')
  @DeveloperWriteLimit()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'deleteStripeConfig',
    summary: 'Delete Stripe Configuration',
    description:
      'Deactivate Stripe payment configuration for a project. This does not delete existing subscriptions. Credentials are kept but unusable until the next PUT. With `If-Match`, only when the configuration is still at that version (else 412, nothing changed). Webhook endpoints created with `createWebhookEndpoint` are removed from Stripe; a Stripe failure there does not fail the call and is reported in the `Stripe-Webhook-Endpoint-Cleanup` header.',
  })
  @ApiHeader(IF_MATCH_HEADER)
  @ApiNoContentResponse({
    description: 'Deactivated',
    headers: {
      [WEBHOOK_CLEANUP_HEADER]: {
        description:
          'Only when webhook endpoints had been created: `test=removed we_...`, `live=failed we_... (reason)`, separated by `, `',
        schema: { type: 'string' },
      },
    },
  })
  @ApiErrorResponses(401, 403, 404, 412, 422)
  async delete(
    @RequestProject() project: Project,
    @Headers('if-match') ifMatchHeader: string | undefined,
    @CurrentUser() user: AuthenticatedUser,
    @CurrentRequestMeta() meta: RequestMeta,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<void> {
    const ifMatch = parseIfMatch(ifMatchHeader);
    const cleanups = await this.stripeConfig.deactivate(project.id, { userId: user.id, ...meta }, ifMatch);
    if (cleanups.length > 0) res.header(WEBHOOK_CLEANUP_HEADER, describeCleanups(cleanups));
  }

  @Get('webhook-urls')
  @ApiOperation({
    operationId: 'getWebhookUrls',
    summary: 'Get Webhook URLs',
    description: 'Get the webhook endpoint URLs to configure in your Stripe dashboard for test and live modes.',
  })
  @ApiOkResponse({ type: StripeWebhookUrlsResponse })
  @ApiErrorResponses(401, 403, 404, 422)
  webhookUrls(@RequestProject() project: Project): StripeWebhookUrlsResponse {
    return this.stripeConfig.webhookUrls(project.id);
  }

  @Post('validate-credentials')
  @StripeCallRateLimit()
  @HttpCode(HttpStatus.OK)
  @ApiRequestExample({
    summary: "The documentation's example key: answered valid=false without calling Stripe",
    value: { secret_key: EXAMPLE_CREDENTIALS.test_secret_key, is_test_mode: true },
  })
  @ApiOperation({
    operationId: 'validateStripeCredentials',
    summary: 'Validate Stripe Credentials',
    description:
      'Validate Stripe API credentials by making a test API call to Stripe. A key of the wrong mode is reported without calling Stripe.',
  })
  @ApiResponse({ status: 200, type: ValidateStripeCredentialsResponse })
  @ApiErrorResponses(
    401,
    403,
    404,
    409,
    413,
    415,
    {
      status: 422,
      issue: {
        loc: ['body', 'secret_key'],
        msg: 'secret_key expects a secret (sk_) or restricted (rk_) key, but a publishable key (pk_) was given',
        type: 'value_error',
      },
    },
    502,
    504,
  )
  validate(@Body() body: ValidateStripeCredentialsRequest): Promise<ValidateStripeCredentialsResponse> {
    return this.stripeConfig.validateCredentials(body);
  }
}
