import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Put, Post, Res } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiDeveloperAuth } from '../common/decorators/api-developer-auth.decorator';
import { ApiErrorResponses } from '../common/decorators/api-error-responses.decorator';
import { StripeCallRateLimit } from '../common/rate-limit/rate-limit.decorators';
import { OwnedProject, RequestProject } from '../projects/guards/project-ownership.guard';
import type { Project } from '../projects/project.entity';
import { StripeConfigRequest, StripeConfigResponse, StripeWebhookUrlsResponse } from './dto/stripe-config.dto';
import { ValidateStripeCredentialsRequest, ValidateStripeCredentialsResponse } from './dto/validate-credentials.dto';
import { StripeConfigService } from './stripe-config.service';

/** Response header of DELETE config telling what happened to the webhook endpoints created in Stripe. */
export const WEBHOOK_CLEANUP_HEADER = 'Stripe-Webhook-Endpoint-Cleanup';

@ApiTags('Stripe Configuration')
@ApiDeveloperAuth()
@ApiErrorResponses(503)
@OwnedProject('project_id')
@Controller('api/v1/payments/stripe/projects/:project_id')
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
    description: 'The configuration, or null',
    schema: { anyOf: [{ $ref: getSchemaPath(StripeConfigResponse) }, { type: 'null' }] },
  })
  @ApiErrorResponses(401, 403, 404, 422)
  get(@RequestProject() project: Project): Promise<StripeConfigResponse | null> {
    return this.stripeConfig.get(project.id);
  }

  @Put('config')
  @ApiOperation({
    operationId: 'updateStripeConfig',
    summary: 'Update Stripe Configuration',
    description:
      'Create or update Stripe payment configuration for a project. Supports both test and live credentials. Omitted or null fields keep their stored value; a deactivated configuration is reactivated.',
  })
  @ApiOkResponse({ type: StripeConfigResponse })
  @ApiErrorResponses(401, 403, 404, 413, 422)
  update(@RequestProject() project: Project, @Body() body: StripeConfigRequest): Promise<StripeConfigResponse> {
    return this.stripeConfig.upsert(project.id, body);
  }

  @Delete('config')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'deleteStripeConfig',
    summary: 'Delete Stripe Configuration',
    description:
      'Deactivate Stripe payment configuration for a project. This does not delete existing subscriptions. Credentials are kept but unusable until the next PUT. Webhook endpoints created with `createWebhookEndpoint` are removed from Stripe; a Stripe failure there does not fail the call and is reported in the `Stripe-Webhook-Endpoint-Cleanup` header.',
  })
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
  @ApiErrorResponses(401, 403, 404, 422)
  async delete(@RequestProject() project: Project, @Res({ passthrough: true }) res: Response): Promise<void> {
    const cleanups = await this.stripeConfig.deactivate(project.id);
    if (cleanups.length > 0) {
      res.setHeader(
        WEBHOOK_CLEANUP_HEADER,
        cleanups
          .map((c) => `${c.mode}=${c.removed ? 'removed' : 'failed'} ${c.endpointId}${c.error ? ` (${c.error})` : ''}`)
          .join(', '),
      );
    }
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
  @ApiOperation({
    operationId: 'validateStripeCredentials',
    summary: 'Validate Stripe Credentials',
    description:
      'Validate Stripe API credentials by making a test API call to Stripe. A key of the wrong mode is reported without calling Stripe.',
  })
  @ApiResponse({ status: 200, type: ValidateStripeCredentialsResponse })
  @ApiErrorResponses(401, 403, 404, 413, 422, 502, 504)
  validate(@Body() body: ValidateStripeCredentialsRequest): Promise<ValidateStripeCredentialsResponse> {
    return this.stripeConfig.validateCredentials(body);
  }
}
