import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import Stripe from 'stripe';
import { UnprocessableEntityError } from '../common/errors/unprocessable-entity.error';
import { isUuid } from '../common/uuid';
import { ProjectsService } from '../projects/projects.service';
import { StripeConfigRepository } from '../stripe-config/stripe-config.repository';
import { StripeConfigService } from '../stripe-config/stripe-config.service';
import type { StripeMode } from '../stripe-config/stripe-credential-fields';
import {
  ListWebhookEventsQuery,
  WebhookEventListResponse,
  WebhookEventResponse,
  WebhookReceivedResponse,
} from './dto/webhook-event.dto';
import { StripeWebhookEvent } from './stripe-webhook-event.entity';
import { StripeWebhookEventsRepository } from './stripe-webhook-events.repository';
import { WebhookFailureCounter, type WebhookFailureCause } from './webhook-failure-counter';

/** Stripe's signature tolerance: a signed timestamp older (or further in the future) than this is refused. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** `t=<unix seconds>` and at least one `v1=<hex>`, comma separated (other schemes such as v0 are ignored). */
const HEADER_PART = /^([a-z0-9]+)=(.*)$/;

const MALFORMED_HEADER = 'Malformed Stripe-Signature header: expected t=<timestamp>,v1=<signature>';

interface ParsedEvent {
  id: string;
  type: string;
  created: number;
  livemode: boolean;
}

@Injectable()
export class StripeWebhooksService {
  constructor(
    private readonly projects: ProjectsService,
    private readonly configs: StripeConfigRepository,
    private readonly stripeConfig: StripeConfigService,
    private readonly events: StripeWebhookEventsRepository,
    private readonly failures: WebhookFailureCounter,
  ) {}

  /**
   * Verifies a delivery from Stripe (signature over the raw body with the stored webhook secret of
   * the mode, as Stripe specifies) and stores the event once. Every refusal is a 400 whose detail
   * names the cause and nothing secret.
   */
  async receive(
    rawProjectId: string,
    rawMode: string,
    signatureHeader: string | string[] | undefined,
    rawBody: Buffer | undefined,
  ): Promise<WebhookReceivedResponse> {
    if (!isUuid(rawProjectId)) {
      throw UnprocessableEntityError.invalidUuid(['path', 'project_id']);
    }
    const projectId = rawProjectId.toLowerCase();
    if (rawMode !== 'test' && rawMode !== 'live') throw new BadRequestException('Unknown mode: use test or live');
    const mode: StripeMode = rawMode;

    if (!(await this.projects.findById(projectId))) throw new NotFoundException('Project not found');
    const config = await this.configs.findByProjectId(projectId);
    if (config && !config.isActive) {
      throw new BadRequestException('The Stripe configuration of this project is inactive');
    }
    const secret = config ? this.stripeConfig.decryptCredential(config, `${mode}_webhook_secret`) : null;
    if (!secret) throw new BadRequestException(`No ${mode} webhook secret is stored for this project`);

    const header = this.checkHeader(signatureHeader);
    if (!rawBody || rawBody.length === 0) throw new BadRequestException('Empty request body');

    const event = this.verify(rawBody, header, secret, (cause) => this.failures.record(projectId, mode, cause));
    if (event.livemode !== (mode === 'live')) {
      this.failures.record(projectId, mode, 'wrong_url_mode');
      throw new BadRequestException(
        `The event is a ${event.livemode ? 'live' : 'test'}-mode event, sent to the ${mode}-mode webhook URL`,
      );
    }
    const stored = await this.events.insertOnce(projectId, {
      mode,
      eventId: event.id,
      eventType: event.type,
      stripeCreatedAt: new Date(event.created * 1000),
      payload: event as unknown as Record<string, unknown>,
    });
    return { received: true, duplicate: !stored };
  }

  async list(projectId: string, query: ListWebhookEventsQuery): Promise<WebhookEventListResponse> {
    const page = query.page ?? 1;
    const pageSize = query.page_size ?? 20;
    const [rows, total] = await this.events.list(projectId, { mode: query.mode, type: query.type, page, pageSize });
    return { items: rows.map(toWebhookEventResponse), total, page, page_size: pageSize };
  }

  private checkHeader(value: string | string[] | undefined): string {
    if (Array.isArray(value)) throw new BadRequestException('More than one Stripe-Signature header');
    if (value === undefined || value.trim() === '') throw new BadRequestException('Missing Stripe-Signature header');
    const parts = value.split(',').map((part) => HEADER_PART.exec(part.trim()));
    if (parts.some((part) => part === null)) throw new BadRequestException(MALFORMED_HEADER);
    const timestamps = parts.filter((p) => p![1] === 't').map((p) => p![2]);
    const signatures = parts.filter((p) => p![1] === 'v1').map((p) => p![2]);
    if (timestamps.length !== 1 || !/^\d{1,12}$/.test(timestamps[0]) || signatures.length === 0) {
      throw new BadRequestException(MALFORMED_HEADER);
    }
    return value;
  }

  /**
   * The SDK's verification (HMAC-SHA256, constant-time compare, any v1 may match, 300 s tolerance).
   * `onFailure` counts a refusal whose cause the health report names (wrong secret, clock skew).
   */
  private verify(
    rawBody: Buffer,
    header: string,
    secret: string,
    onFailure: (cause: WebhookFailureCause) => void,
  ): ParsedEvent {
    let event: unknown;
    try {
      event = Stripe.webhooks.constructEvent(rawBody, header, secret, WEBHOOK_TOLERANCE_SECONDS);
    } catch (error) {
      if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
        if (/tolerance/i.test(error.message)) {
          onFailure('clock_skew');
          throw new BadRequestException(`Timestamp outside the tolerance zone (${WEBHOOK_TOLERANCE_SECONDS} s)`);
        }
        if (/matching the expected signature/i.test(error.message)) {
          onFailure('secret_mismatch');
          throw new BadRequestException(
            "No valid signature: the payload was not signed with this mode's webhook secret, or was changed on the way",
          );
        }
        throw new BadRequestException(MALFORMED_HEADER);
      }
      if (error instanceof SyntaxError) throw new BadRequestException('The payload is not JSON');
      throw error;
    }
    // The SDK only refuses old timestamps; one far in the future is just as suspicious.
    const timestamp = Number(/(?:^|,)\s*t=(\d+)/.exec(header)?.[1]);
    if (timestamp - Math.floor(Date.now() / 1000) > WEBHOOK_TOLERANCE_SECONDS) {
      onFailure('clock_skew');
      throw new BadRequestException(`Timestamp outside the tolerance zone (${WEBHOOK_TOLERANCE_SECONDS} s)`);
    }
    if (!isStripeEvent(event)) {
      throw new BadRequestException('Not a Stripe event: id, type, created and livemode are required');
    }
    return event;
  }
}

function isStripeEvent(value: unknown): value is ParsedEvent {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const event = value as Record<string, unknown>;
  return (
    typeof event.id === 'string' &&
    /^[A-Za-z0-9_]{1,255}$/.test(event.id) &&
    typeof event.type === 'string' &&
    event.type.length > 0 &&
    event.type.length <= 255 &&
    typeof event.created === 'number' &&
    Number.isInteger(event.created) &&
    event.created >= 0 &&
    event.created < 1e11 &&
    typeof event.livemode === 'boolean'
  );
}

function toWebhookEventResponse(row: StripeWebhookEvent): WebhookEventResponse {
  return {
    id: row.id,
    event_id: row.eventId,
    type: row.eventType,
    mode: row.mode,
    stripe_created_at: row.stripeCreatedAt,
    received_at: row.receivedAt,
    payload: row.payload,
  };
}
