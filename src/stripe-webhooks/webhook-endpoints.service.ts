import { createHash } from 'node:crypto';
import {
  BadGatewayException,
  ConflictException,
  HttpException,
  HttpStatus,
  Injectable,
  Logger,
  type OnModuleInit,
} from '@nestjs/common';
import type { AuditActor } from '../audit/audit-log.repository';
import { CredentialDecryptionError } from '../credentials/credential-cipher';
import type { StripeMode } from '../stripe/stripe-keys';
import { EXAMPLE_CREDENTIAL_MESSAGE, isExampleCredential } from '../stripe-config/example-credentials';
import {
  StripeApiClient,
  StripeCallError,
  StripeFailureKind,
  throwIfStripeUnavailable,
  WebhookEndpointParams,
} from '../stripe/stripe-api.client';
import { StripeConfig } from '../stripe-config/stripe-config.entity';
import { StripeConfigRepository } from '../stripe-config/stripe-config.repository';
import { StripeConfigCredentials } from '../stripe-config/stripe-config-credentials';
import { StripeConfigService, type WebhookEndpointCleanup } from '../stripe-config/stripe-config.service';
import { WebhookEndpointResponse } from './dto/webhook-endpoint.dto';
import { WebhookSetupLockRepository } from './webhook-setup-lock.repository';
import { LEDGER_EVENT_TYPES } from '../payments/ledger-projector';

/** The events the endpoint created by this service subscribes to: every event the payments ledger reads. */
export const WEBHOOK_EVENTS: string[] = [...LEDGER_EVENT_TYPES];

/**
 * The API version of the endpoint this service creates, so its own deliveries have one known shape
 * (the 2025+ one: invoice.parent.subscription_details, invoice_payment events, periods on items). The
 * ledger reads the older shape too, for endpoints set up elsewhere. Stripe sets it on creation only.
 */
const WEBHOOK_API_VERSION = '2026-07-29.dahlia';

/** Failures after which Stripe may still have created the endpoint. */
const MAY_HAVE_CREATED: readonly StripeFailureKind[] = ['timeout', 'unreachable', 'stripe_error'];

/**
 * Stripe's Idempotency-Key for one setup attempt: the same while nothing was stored (a retry after a
 * time-out gets the endpoint the first call created, secret included), a new one once the config
 * changed (the version moves with every stored secret, PUT and DELETE). The parameters' hash keeps a
 * changed URL from being refused as a reuse of the key with other parameters.
 */
function idempotencyKey(config: StripeConfig, mode: StripeMode, params: WebhookEndpointParams): string {
  const hash = createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 16);
  return `scs-webhook-endpoint-${config.projectId}-${mode}-v${config.version}-${hash}`;
}

const MODES: readonly StripeMode[] = ['test', 'live'];

/**
 * The one owner of the webhook endpoints this service creates in a project's Stripe account: create,
 * update, replace, remove, clean up. Creation stores the signing secret Stripe returns (through
 * StripeConfigService). A second call updates the endpoint it created in place (url, events), keeping
 * its secret; when that endpoint is gone from Stripe, or its secret is not stored, it deletes what it
 * created before and creates a new one (never two at once in Stripe).
 * After DELETE config it removes them: it registers that with StripeConfigService.onDeactivated, so the
 * dependency runs one way, stripe-webhooks → stripe-config.
 */
@Injectable()
export class WebhookEndpointsService implements OnModuleInit {
  private readonly logger = new Logger(WebhookEndpointsService.name);

  constructor(
    private readonly configs: StripeConfigRepository,
    private readonly stripeConfig: StripeConfigService,
    private readonly stripe: StripeApiClient,
    private readonly credentials: StripeConfigCredentials,
    private readonly lock: WebhookSetupLockRepository,
  ) {}

  onModuleInit(): void {
    this.stripeConfig.onDeactivated((config) => this.cleanUpAfterDeactivation(config));
  }

  /** One setup per project and mode at a time: a concurrent call gets 409 instead of a second endpoint. */
  async create(projectId: string, mode: StripeMode, actor: AuditActor): Promise<WebhookEndpointResponse> {
    const outcome = await this.lock.withLock(projectId, mode, () => this.createLocked(projectId, mode, actor));
    if (!outcome.locked) {
      throw new ConflictException(`A ${mode} webhook endpoint is already being set up for this project, try again`);
    }
    return outcome.result;
  }

  private async createLocked(projectId: string, mode: StripeMode, actor: AuditActor): Promise<WebhookEndpointResponse> {
    const config = await this.configs.findByProjectId(projectId);
    if (!config || !config.isActive) {
      throw new ConflictException('The project has no active Stripe configuration: PUT its config first');
    }
    const secretKey = this.storedSecretKey(config, mode);
    if (!secretKey) throw new ConflictException(`No ${mode} secret key is stored: PUT ${mode}_secret_key first`);
    if (isExampleCredential(secretKey)) {
      throw new ConflictException(`The stored ${mode}_secret_key ${EXAMPLE_CREDENTIAL_MESSAGE}; PUT a real one first`);
    }

    const previous = mode === 'test' ? config.testWebhookEndpointId : config.liveWebhookEndpointId;
    const hadPending = mode === 'test' ? config.testWebhookSetupPending : config.liveWebhookSetupPending;
    const params: WebhookEndpointParams = {
      url: this.stripeConfig.webhookUrl(projectId, mode),
      events: WEBHOOK_EVENTS,
      description: `Stripe Configuration Service, project ${projectId} (${mode})`,
      metadata: { project_id: projectId, mode },
      apiVersion: WEBHOOK_API_VERSION,
    };
    const storedSecretMasked = mode === 'test' ? config.testWebhookSecretMasked : config.liveWebhookSecretMasked;
    if (previous && storedSecretMasked && !hadPending) {
      // The endpoint this service created is brought up to date in place: its secret stays valid.
      const updated = await this.callStripe(mode, () => this.stripe.updateWebhookEndpoint(secretKey, previous, params));
      if (updated) {
        return {
          id: updated.id,
          mode,
          url: updated.url,
          enabled_events: updated.enabledEvents,
          webhook_secret_masked: storedSecretMasked,
          replaced_endpoint_id: null,
        };
      }
      // Gone from Stripe: a new one is created below.
    }
    if (previous) {
      await this.callStripe(mode, () => this.stripe.deleteWebhookEndpoint(secretKey, previous));
      await this.configs.clearWebhookEndpoint(projectId, mode, previous);
    }
    // Marked before the call: a time-out may still have created the endpoint in Stripe.
    await this.configs.setWebhookSetupPending(projectId, mode, true);
    const endpoint = await this.callStripe(mode, async () => {
      try {
        return await this.stripe.createWebhookEndpoint(secretKey, params, idempotencyKey(config, mode, params));
      } catch (error) {
        // A refusal (bad key, 4xx, 429) created nothing: no need to look for an endpoint later.
        if (!hadPending && error instanceof StripeCallError && !MAY_HAVE_CREATED.includes(error.kind)) {
          await this.configs.setWebhookSetupPending(projectId, mode, false);
        }
        throw error;
      }
    });

    // Storing the new signing secret is an update of the configuration, audited in the same statement.
    const masked = await this.stripeConfig.storeWebhookSecret(projectId, mode, endpoint.id, endpoint.secret, actor);
    if (masked === null) {
      throw new ConflictException('The project has no active Stripe configuration: PUT its config first');
    }
    if (hadPending) {
      // An earlier attempt did not complete: remove what it may have created (the retry with the same
      // idempotency key got that endpoint back, so `keep` spares it).
      const failed = (
        await this.removeWebhookEndpoints(projectId, mode, secretKey, {
          stored: null,
          search: true,
          keep: endpoint.id,
        })
      ).find((cleanup) => !cleanup.removed);
      if (failed) {
        throw new BadGatewayException(
          `The ${mode} webhook endpoint ${endpoint.id} was created and its secret stored, but an endpoint left by an earlier attempt could not be removed from Stripe (${failed.error ?? 'unknown'}): call again to finish`,
        );
      }
    } else {
      await this.configs.setWebhookSetupPending(projectId, mode, false);
    }
    return {
      id: endpoint.id,
      mode,
      url: endpoint.url,
      enabled_events: endpoint.enabledEvents,
      webhook_secret_masked: masked,
      replaced_endpoint_id: previous ?? null,
    };
  }

  /** After a deactivation: the endpoints of both modes (see cleanUpMode). */
  async cleanUpAfterDeactivation(config: StripeConfig): Promise<WebhookEndpointCleanup[]> {
    const cleanups = await Promise.all(MODES.map((mode) => this.cleanUpMode(config, mode)));
    return cleanups.flat();
  }

  /**
   * The webhook endpoints of a mode to remove after a deactivation: the stored one, and any a creation
   * that did not complete may have left (searched for in Stripe). A stored key that cannot be decrypted
   * (its key id dropped from ENCRYPTION_KEYS, a damaged cell) is reported and logged, not fatal.
   */
  private async cleanUpMode(config: StripeConfig, mode: StripeMode): Promise<WebhookEndpointCleanup[]> {
    const stored = mode === 'test' ? config.testWebhookEndpointId : config.liveWebhookEndpointId;
    const pending = mode === 'test' ? config.testWebhookSetupPending : config.liveWebhookSetupPending;
    if (!stored && !pending) return [];
    let secretKey: string | null;
    try {
      secretKey = this.credentials.reveal(config, `${mode}_secret_key`);
    } catch (error) {
      if (!(error instanceof CredentialDecryptionError)) throw error;
      this.logger.warn(
        `The ${mode} webhook endpoint ${stored ?? '(id not stored)'} was left in Stripe: the stored ${mode}_secret_key of project ${config.projectId} cannot be decrypted (${error.message})`,
      );
      return [{ mode, endpointId: stored, removed: false, error: `the stored ${mode} secret key cannot be decrypted` }];
    }
    if (!secretKey) return [];
    return this.removeWebhookEndpoints(config.projectId, mode, secretKey, { stored, search: pending });
  }

  /**
   * Deletes from Stripe the project's webhook endpoints for a mode: `stored` (then forgotten), and with
   * `search` every endpoint of the key's account whose metadata (project_id, mode) or URL is this
   * project's, except `keep`; a complete search clears the pending mark. Each outcome is returned;
   * Stripe failures are reported there, not thrown.
   */
  private async removeWebhookEndpoints(
    projectId: string,
    mode: StripeMode,
    secretKey: string,
    options: { stored: string | null; search: boolean; keep?: string },
  ): Promise<WebhookEndpointCleanup[]> {
    const results: WebhookEndpointCleanup[] = [];
    const ids = options.stored && options.stored !== options.keep ? [options.stored] : [];
    if (options.search) {
      const url = this.stripeConfig.webhookUrl(projectId, mode);
      try {
        for (const endpoint of await this.stripe.listWebhookEndpoints(secretKey)) {
          const ours =
            (endpoint.metadata.project_id === projectId && endpoint.metadata.mode === mode) || endpoint.url === url;
          if (ours && endpoint.id !== options.keep && !ids.includes(endpoint.id)) ids.push(endpoint.id);
        }
      } catch (error) {
        if (!(error instanceof StripeCallError)) throw error;
        this.logger.warn(`Could not list the webhook endpoints of project ${projectId} (${mode}) in Stripe`);
        results.push({ mode, endpointId: null, removed: false, error: `could not list endpoints: ${error.message}` });
      }
    }
    for (const endpointId of ids) {
      try {
        await this.stripe.deleteWebhookEndpoint(secretKey, endpointId);
        if (endpointId === options.stored) await this.configs.clearWebhookEndpoint(projectId, mode, endpointId);
        results.push({ mode, endpointId, removed: true });
      } catch (error) {
        if (!(error instanceof StripeCallError)) throw error;
        this.logger.warn(`Could not remove the ${mode} webhook endpoint ${endpointId} of project ${projectId}`);
        results.push({ mode, endpointId, removed: false, error: error.message });
      }
    }
    if (options.search && results.every((r) => r.removed)) {
      await this.configs.setWebhookSetupPending(projectId, mode, false);
    }
    return results;
  }

  /** The stored secret key of the mode; 409 when it cannot be decrypted (its key id dropped, a damaged cell). */
  private storedSecretKey(config: StripeConfig, mode: StripeMode): string | null {
    try {
      return this.credentials.reveal(config, `${mode}_secret_key`);
    } catch (error) {
      if (!(error instanceof CredentialDecryptionError)) throw error;
      this.logger.warn(
        `The stored ${mode}_secret_key of project ${config.projectId} cannot be decrypted (${error.message})`,
      );
      throw new ConflictException(`The stored ${mode} secret key cannot be decrypted: PUT ${mode}_secret_key again`);
    }
  }

  /** Stripe failures as documented HTTP errors: 409 for what the stored key cannot do, 429, 502, 504. */
  private async callStripe<T>(mode: StripeMode, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof StripeCallError)) throw error;
      throwIfStripeUnavailable(error);
      switch (error.kind) {
        case 'invalid_key':
        case 'expired_key':
          throw new ConflictException(`Stripe rejected the stored ${mode} secret key: ${error.message}`);
        case 'permission':
          throw new ConflictException(
            error.details.permission
              ? `The stored ${mode} key is missing the permission ${error.details.permission} (needed to manage webhook endpoints)`
              : `The stored ${mode} key does not have the permission needed to manage webhook endpoints`,
          );
        case 'rate_limited':
          throw new HttpException({ detail: 'rate limited by Stripe, try again later' }, HttpStatus.TOO_MANY_REQUESTS);
        default:
          throw new ConflictException(`Stripe refused the webhook endpoint: ${error.message}`);
      }
    }
  }
}
