import { CredentialDecryptionError } from '../credentials/credential-cipher';
import {
  BadRequestException,
  Inject,
  Injectable,
  NotFoundException,
  PayloadTooLargeException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { jsonShape, parsedSizeBound } from '../http/json-shape';
import { stripeWebhooksConfig, type StripeWebhooksConfig } from './stripe-webhooks.config';
import { UnprocessableEntityError } from '../http/unprocessable-entity.error';
import { findUnstorableInput, withoutUnstorable } from '../common/storable-text';
import { isUuid } from '../common/uuid';
import { ProjectsService } from '../projects/projects.service';
import { StripeConfigRepository } from '../stripe-config/stripe-config.repository';
import type { StripeMode } from '../stripe/stripe-keys';
import { StripeConfigCredentials } from '../stripe-config/stripe-config-credentials';
import { ListWebhookEventsQuery, WebhookReceivedResponse } from './dto/webhook-event.dto';
import { StripeWebhookEventsRepository, WebhookEventRow } from './stripe-webhook-events.repository';
import { WebhookBodySlots } from './webhook-body-slots';
import { WebhookProjectGates } from './webhook-project-gates';
import type { WebhookFailureCause } from './webhook-failures';
import { WebhookDeliveryConfirmer } from './webhook-delivery-confirmer';
import { WebhookEventRetention } from './webhook-event-retention';
import { stripeSdk } from '../stripe/stripe-sdk';
import { maskSecretsInText } from '../stripe/key-masking';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LedgerProjector, type LedgerEvent } from '../payments/ledger-projector';

/**
 * Largest payload (bytes of its JSON) a list of events carries; larger ones are summarised there. A page
 * of 100 events then holds at most ~1.6 MB of payloads, whatever developers had Stripe (or anyone with
 * their webhook secret) send.
 */
export const LIST_PAYLOAD_MAX_BYTES = 16 * 1024;

/** Reserves bytes of the memory budget for the rest of the request: null when held, else the error (http/memory-budget.ts). */
export type HoldMemory = (bytes: number) => Error | null;

/**
 * Memory a served payload takes, per byte stored: PostgreSQL's text (spaces after `,` and `:` make it
 * up to twice as long) as the driver receives it and as a string, the response text, and its bytes.
 */
const SERVED_PAYLOAD_COPIES = 6;

/** Stripe's signature tolerance: a signed timestamp older (or further in the future) than this is refused. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/**
 * Deepest nesting stored. Stripe's events nest about ten levels; PostgreSQL's jsonb and JSON.stringify
 * both fail (stack depth) somewhere in the thousands, which a 1 MiB body can reach.
 */
export const MAX_EVENT_DEPTH = 128;

/** `t=<unix seconds>` and at least one `v1=<hex>`, comma separated (other schemes such as v0 are ignored). */
const HEADER_PART = /^([a-z0-9]+)=(.*)$/;

const MALFORMED_HEADER = 'Malformed Stripe-Signature header: expected t=<timestamp>,v1=<signature>';

/** A delivery's body, read only once the delivery has somewhere to go. */
export interface WebhookBody {
  /** Content-Length, when the client sent one. */
  length: number | undefined;
  read(): Promise<Buffer | undefined>;
  /**
   * Reserves `bytes` of the memory budget until the delivery is answered (http/memory-budget.ts):
   * null when held, else the error to answer (503, or 413 when it could never fit).
   */
  hold(bytes: number): Error | null;
}

/**
 * What a verified delivery takes besides its bytes, as a multiple of what its JSON can take once parsed
 * (json-shape.ts): the parsed event, and the text stored from it with the query that sends it.
 */
const PARSED_EVENT_COPIES = 2;

/** How long an unknown project id is remembered (answered 404 without a query). */
const UNKNOWN_PROJECT_TTL_MS = 5_000;
const UNKNOWN_PROJECT_CACHE_SIZE = 10_000;

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
    private readonly credentials: StripeConfigCredentials,
    private readonly events: StripeWebhookEventsRepository,
    private readonly bodySlots: WebhookBodySlots,
    private readonly projectGates: WebhookProjectGates,
    private readonly refusals: WebhookDeliveryConfirmer,
    private readonly retention: WebhookEventRetention,
    private readonly ledger: LedgerProjector,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(stripeWebhooksConfig.KEY) private readonly config: StripeWebhooksConfig,
  ) {}

  /** Project ids recently found not to exist → when that stops being remembered. Insertion-ordered. */
  private readonly unknownProjects = new Map<string, number>();

  /**
   * Verifies a delivery from Stripe (signature over the raw body with the stored webhook secret of
   * the mode, as Stripe specifies) and stores the event once. Every refusal is a 400 whose detail
   * names the cause and nothing secret. A refusal that would blame the project's setup is counted
   * once Stripe confirms the event (WebhookDeliveryConfirmer), in the background.
   */
  async receive(
    rawProjectId: string,
    rawMode: string,
    signatureHeader: string | string[] | undefined,
    body: WebhookBody,
    clientAddress: string | null = null,
  ): Promise<WebhookReceivedResponse> {
    if (!isUuid(rawProjectId)) {
      throw UnprocessableEntityError.invalidUuid(['path', 'project_id']);
    }
    const projectId = rawProjectId.toLowerCase();
    if (rawMode !== 'test' && rawMode !== 'live') throw new BadRequestException('Unknown mode: use test or live');
    const mode: StripeMode = rawMode;

    // Everything that needs no body is checked before a byte of it is read.
    const secret = await this.webhookSecret(projectId, mode);
    const header = this.checkHeader(signatureHeader);
    const release = this.bodySlots.tryAcquire(body.length, clientAddress);
    if (!release) {
      throw new ServiceUnavailableException(
        'Too many large webhook deliveries are being received at once; retry later',
      );
    }
    try {
      return await this.verifyAndStore(projectId, mode, secret, header, await body.read(), clientAddress, body);
    } finally {
      release();
    }
  }

  /** The mode's webhook secret of an existing, active project with an active configuration; else the 4xx. */
  private async webhookSecret(projectId: string, mode: StripeMode): Promise<string> {
    if ((this.unknownProjects.get(projectId) ?? 0) > Date.now()) throw new NotFoundException('Project not found');
    const project = await this.projects.findById(projectId);
    if (!project) {
      this.rememberUnknown(projectId);
      throw new NotFoundException('Project not found');
    }
    if (!project.isActive) throw new BadRequestException('The project is inactive');
    const config = await this.configs.findByProjectId(projectId);
    if (config && !config.isActive) {
      throw new BadRequestException('The Stripe configuration of this project is inactive');
    }
    let secret: string | null = null;
    try {
      secret = config ? this.credentials.reveal(config, `${mode}_webhook_secret`) : null;
    } catch (error) {
      // Stored under a key no longer in ENCRYPTION_KEYS, or damaged: nothing to verify with, as when none is stored.
      if (!(error instanceof CredentialDecryptionError)) throw error;
      throw new BadRequestException(
        `The ${mode} webhook secret stored for this project cannot be read; its owner must save it again`,
      );
    }
    if (!secret) throw new BadRequestException(`No ${mode} webhook secret is stored for this project`);
    return secret;
  }

  private rememberUnknown(projectId: string): void {
    if (this.unknownProjects.size >= UNKNOWN_PROJECT_CACHE_SIZE) {
      this.unknownProjects.delete(this.unknownProjects.keys().next().value as string);
    }
    this.unknownProjects.delete(projectId);
    this.unknownProjects.set(projectId, Date.now() + UNKNOWN_PROJECT_TTL_MS);
  }

  private async verifyAndStore(
    projectId: string,
    mode: StripeMode,
    secret: string,
    header: string,
    rawBody: Buffer | undefined,
    clientAddress: string | null,
    body: Pick<WebhookBody, 'hold'>,
  ): Promise<WebhookReceivedResponse> {
    if (!rawBody || rawBody.length === 0) throw new BadRequestException('Empty request body');

    const refusal = (cause: WebhookFailureCause) => ({ projectId, mode, cause, clientAddress, at: new Date() });
    // Signature or timestamp refused: the body is unverified; its event id is asked about with this mode's key.
    const { event, text: payloadJson } = this.verify(
      rawBody,
      header,
      secret,
      (cause) => this.refusals.refused(refusal(cause), rawBody, mode),
      body,
    );
    if (event.livemode !== (mode === 'live')) {
      // Verified, but of the other mode: Stripe knows it under that mode's key.
      this.refusals.refused(refusal('wrong_url_mode'), undefined, event.livemode ? 'live' : 'test', event.id);
      throw new BadRequestException(
        `The event is a ${event.livemode ? 'live' : 'test'}-mode event, sent to the ${mode}-mode webhook URL`,
      );
    }
    // The event row and its effect on the payments ledger commit together: a 200 means both happened,
    // and a redelivery (no row inserted) projects nothing. An event the ledger cannot read is still
    // stored and answered 200 (counted for the health report; the projector never throws for it).
    // Verified deliveries only, within the project's share (WebhookProjectGates: else a 503, nothing stored).
    const stored = await this.projectGates.run(projectId, () => this.store(projectId, mode, event, payloadJson));
    // The quota's cheap check: a tally in memory; the oldest are deleted in the background.
    if (stored) this.retention.stored(projectId, Buffer.byteLength(payloadJson));
    return { received: true, duplicate: !stored };
  }

  /** Stores the event once and projects it, in one transaction: false when it was already stored. */
  private store(projectId: string, mode: StripeMode, event: ParsedEvent, payloadJson: string): Promise<boolean> {
    return this.dataSource.transaction(async (tx) => {
      const inserted = await this.events.insertOnce(
        projectId,
        {
          mode,
          eventId: event.id,
          eventType: event.type,
          stripeCreatedAt: new Date(event.created * 1000),
          payloadJson,
        },
        tx,
      );
      if (inserted) await this.ledger.project(tx, projectId, mode, event as unknown as LedgerEvent);
      return inserted;
    });
  }

  /**
   * One page of the project's events, as the response's JSON text: payloads are spliced in as the text
   * PostgreSQL renders (masked), never parsed nor re-serialised here; payloads over
   * LIST_PAYLOAD_MAX_BYTES are summarised and not read at all. What the page's payloads take is
   * reserved (`hold`, the memory budget) before they are read.
   */
  async list(projectId: string, query: ListWebhookEventsQuery, hold: HoldMemory): Promise<string> {
    const page = query.page ?? 1;
    const pageSize = query.page_size ?? 20;
    const [rows, total] = await this.events.list(projectId, { mode: query.mode, type: query.type, page, pageSize });
    const whole = rows.filter((row) => row.payload_size <= LIST_PAYLOAD_MAX_BYTES);
    const refused = hold(SERVED_PAYLOAD_COPIES * whole.reduce((sum, row) => sum + row.payload_size, 0));
    if (refused) throw refused;
    const texts = await this.events.payloadTexts(
      projectId,
      whole.map((row) => row.id),
    );
    const items = rows.map((row) => webhookEventJson(row, texts.get(row.id)));
    return `{"items":[${items.join(',')}],"total":${total},"page":${page},"page_size":${pageSize}}`;
  }

  /** One event with its whole payload (at most the receiver's 1 MiB), as list() renders it. */
  async findOne(projectId: string, rawId: string, hold: HoldMemory): Promise<string> {
    if (!isUuid(rawId)) throw UnprocessableEntityError.invalidUuid(['path', 'webhook_event_id']);
    const id = rawId.toLowerCase();
    const row = await this.events.findOne(projectId, id);
    if (!row) throw new NotFoundException('Webhook event not found');
    const refused = hold(SERVED_PAYLOAD_COPIES * row.payload_size);
    if (refused) throw refused;
    const text = (await this.events.payloadTexts(projectId, [id])).get(id);
    // Deleted (retention) between the two reads.
    if (text === undefined) throw new NotFoundException('Webhook event not found');
    return webhookEventJson(row, text);
  }

  /**
   * A verified delivery's shape, read from its bytes before it is parsed (json-shape.ts): nested deeper
   * than PostgreSQL stores is the 400 it always was, more values than WEBHOOK_MAX_ELEMENTS a 413; then
   * what parsing and storing it can take is reserved from the memory budget (503 when it cannot be).
   */
  private checkShape(rawBody: Buffer, body: Pick<WebhookBody, 'hold'>): void {
    const maxElements = this.config.maxElements;
    const shape = jsonShape(rawBody, { elements: maxElements, depth: MAX_EVENT_DEPTH });
    if (shape.depth > MAX_EVENT_DEPTH) {
      throw new BadRequestException(`The event is nested more than ${MAX_EVENT_DEPTH} levels deep: not stored`);
    }
    if (shape.elements > maxElements) {
      throw new PayloadTooLargeException(`The event holds more than ${maxElements} values`);
    }
    const refused = body.hold(PARSED_EVENT_COPIES * parsedSizeBound(shape, rawBody.length));
    if (refused) throw refused;
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
    body: Pick<WebhookBody, 'hold'>,
  ): { event: ParsedEvent; text: string } {
    const { webhooks, errors } = stripeSdk();
    let event: unknown;
    let text = '';
    try {
      // What constructEvent does, with the shape checked between the signature and the parse.
      if (!webhooks.signature) throw new Error('The Stripe SDK has no signature verifier');
      webhooks.signature.verifyHeader(rawBody, header, secret, WEBHOOK_TOLERANCE_SECONDS);
      this.checkShape(rawBody, body);
      // Decoded as the SDK decodes it (a byte order mark is dropped); the text is what is stored.
      text = new TextDecoder().decode(rawBody);
      event = JSON.parse(text);
    } catch (error) {
      if (error instanceof errors.StripeSignatureVerificationError) {
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
    refuseUnstorable(event);
    return { event, text };
  }
}

/** A verified event that could not be stored as it is: a 400 with the reason (nothing is stored). */
function refuseUnstorable(event: ParsedEvent): void {
  const found = findUnstorableInput(event, MAX_EVENT_DEPTH);
  if (!found) return;
  // The path names keys of the event: shortened, and without the very characters refused.
  const where =
    found.path
      .slice(0, 8)
      .map((part) => withoutUnstorable(String(part).slice(0, 40)))
      .join('.') || '(root)';
  throw new BadRequestException(
    found.reason === 'depth'
      ? `The event is nested more than ${MAX_EVENT_DEPTH} levels deep (at ${where}...): not stored`
      : `The event contains a NUL character or an unpaired surrogate (at ${where}), which cannot be stored`,
  );
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

/**
 * A row as the API's event (WebhookEventResponse), as JSON text: `payloadText` (PostgreSQL's rendering
 * of the stored payload) spliced in as it is, with any Stripe credential in it masked; without it (a
 * payload the list leaves out) the event's summary.
 */
function webhookEventJson(row: WebhookEventRow, payloadText: string | undefined): string {
  const head = {
    id: row.id,
    event_id: row.event_id,
    type: row.event_type,
    mode: row.mode,
    stripe_created_at: row.stripe_created_at,
    received_at: row.received_at,
  };
  const tail = { payload_truncated: payloadText === undefined, payload_size: row.payload_size };
  const payload =
    payloadText === undefined
      ? JSON.stringify({
          id: row.event_id,
          object: 'event',
          type: row.event_type,
          created: Math.floor(row.stripe_created_at.getTime() / 1000),
          livemode: row.mode === 'live',
        })
      : maskSecretsInText(payloadText);
  return `${JSON.stringify(head).slice(0, -1)},"payload":${payload},${JSON.stringify(tail).slice(1)}`;
}
