import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { auditEntry, AuditActor } from '../audit/audit-log.repository';
import { CredentialDecryptionError } from '../credentials/credential-cipher';
import { CREDENTIAL_FIELDS, CREDENTIAL_RULES, modeOfKey, StripeMode } from '../credentials/credential-fields';
import { CredentialsService } from '../credentials/credentials.service';
import { UnprocessableEntityError } from '../http/unprocessable-entity.error';
import { IfMatch, ifMatchVersions, PreconditionFailedError } from '../http/etag';
import { webhookUrlsConfig, type WebhookUrlsConfig } from '../stripe/webhook-urls.config';
import { StripeConfigRequest, StripeConfigResponse, StripeWebhookUrlsResponse } from './dto/stripe-config.dto';
import { ValidateStripeCredentialsRequest, ValidateStripeCredentialsResponse } from './dto/validate-credentials.dto';
import { StripeApiClient, StripeCallError, throwIfStripeUnavailable } from '../stripe/stripe-api.client';
import { toStripeConfigResponse } from './stripe-config.mapper';
import { EXAMPLE_CREDENTIAL_MESSAGE, isExampleCredential } from './example-credentials';
import { StripeConfigRepository } from './stripe-config.repository';
import { StripeConfig } from './stripe-config.entity';
import { webhookReceiverUrl } from '../stripe/webhook-urls';

const MODES: readonly StripeMode[] = ['test', 'live'];

/** What DELETE config did about the webhook endpoints this service had created in Stripe. */
export interface WebhookEndpointCleanup {
  mode: StripeMode;
  /** null: not known (e.g. the endpoints could not be listed). */
  endpointId: string | null;
  removed: boolean;
  /** Why Stripe could not remove it (safe to show). */
  error?: string;
}

/** `test=removed we_...`, `live=failed we_... (reason)`: the Stripe-Webhook-Endpoint-Cleanup header of DELETE config. */
export function describeCleanups(cleanups: WebhookEndpointCleanup[]): string {
  return cleanups
    .map(
      (c) =>
        `${c.mode}=${c.removed ? 'removed' : 'failed'}${c.endpointId ? ` ${c.endpointId}` : ''}${c.error ? ` (${c.error})` : ''}`,
    )
    .join(', ');
}

/** A response with the version it was built from (sent as the ETag). */
export interface Versioned<T> {
  body: T;
  version: number;
}

@Injectable()
export class StripeConfigService {
  private readonly logger = new Logger(StripeConfigService.name);

  constructor(
    private readonly repository: StripeConfigRepository,
    private readonly credentials: CredentialsService,
    private readonly stripe: StripeApiClient,
    @Inject(webhookUrlsConfig.KEY) private readonly urls: WebhookUrlsConfig,
  ) {}

  /**
   * Creates or partially updates the config: omitted/null fields keep their stored value. With
   * `ifMatch`, applies only when the locked row is still at one of the given versions (else 412,
   * nothing written). Records an audit entry (field names only) in the same statement.
   */
  async upsert(
    projectId: string,
    input: StripeConfigRequest,
    actor: AuditActor,
    ifMatch?: IfMatch,
  ): Promise<Versioned<StripeConfigResponse>> {
    const provided = CREDENTIAL_FIELDS.filter((field) => typeof input[field] === 'string');
    if (provided.length === 0) {
      throw UnprocessableEntityError.single(['body'], 'At least one Stripe credential must be provided', 'value_error');
    }
    // Encrypt before the statement: keeps the row lock short.
    const encrypted = provided.map((field) => this.credentials.seal(projectId, field, input[field] as string));
    const modes = new Set(provided.map((field) => CREDENTIAL_RULES[field].mode));
    const result = await this.repository.writeCredentials(
      projectId,
      encrypted,
      { test: modes.has('test'), live: modes.has('live') },
      ifMatchVersions(ifMatch),
      auditEntry(actor, provided),
    );
    if (result.outcome === 'precondition-failed') throw new PreconditionFailedError(result.currentVersion);
    return { body: toStripeConfigResponse(result.view), version: result.view.version };
  }

  /**
   * Deactivates the config (audited in the same statement), then removes from Stripe the webhook
   * endpoints this service created (POST webhook-endpoints). A Stripe failure there does not undo the
   * deactivation: it is reported, and the endpoint id stays stored.
   */
  async deactivate(projectId: string, actor: AuditActor, ifMatch?: IfMatch): Promise<WebhookEndpointCleanup[]> {
    const config = await this.repository.findByProjectId(projectId);
    const result = await this.repository.deactivate(
      projectId,
      ifMatchVersions(ifMatch),
      auditEntry(actor, ['is_active']),
    );
    if (result.outcome === 'precondition-failed') throw new PreconditionFailedError(result.currentVersion);
    if (result.outcome === 'not-found') throw new NotFoundException('Stripe configuration not found');
    if (config === null) return []; // created just now, by a concurrent first PUT: no endpoint yet
    const cleanups = await Promise.all(MODES.map((mode) => this.cleanUpAfterDeactivation(config, mode)));
    return cleanups.flat();
  }

  /**
   * The webhook endpoints to remove after a deactivation: the stored one, and any a creation that did
   * not complete may have left (searched for in Stripe). A stored key that cannot be decrypted (its key
   * id dropped from ENCRYPTION_KEYS, a damaged cell) is reported and logged, not fatal.
   */
  private async cleanUpAfterDeactivation(config: StripeConfig, mode: StripeMode): Promise<WebhookEndpointCleanup[]> {
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
  async removeWebhookEndpoints(
    projectId: string,
    mode: StripeMode,
    secretKey: string,
    options: { stored: string | null; search: boolean; keep?: string },
  ): Promise<WebhookEndpointCleanup[]> {
    const results: WebhookEndpointCleanup[] = [];
    const ids = options.stored && options.stored !== options.keep ? [options.stored] : [];
    if (options.search) {
      const url = this.webhookUrl(projectId, mode);
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
        if (endpointId === options.stored) await this.repository.clearWebhookEndpoint(projectId, mode, endpointId);
        results.push({ mode, endpointId, removed: true });
      } catch (error) {
        if (!(error instanceof StripeCallError)) throw error;
        this.logger.warn(`Could not remove the ${mode} webhook endpoint ${endpointId} of project ${projectId}`);
        results.push({ mode, endpointId, removed: false, error: error.message });
      }
    }
    if (options.search && results.every((r) => r.removed)) {
      await this.repository.setWebhookSetupPending(projectId, mode, false);
    }
    return results;
  }

  /** The URL Stripe delivers a mode's events of the project to. */
  webhookUrl(projectId: string, mode: StripeMode): string {
    return this.webhookUrls(projectId)[mode === 'test' ? 'test_webhook_url' : 'live_webhook_url'];
  }

  webhookUrls(projectId: string): StripeWebhookUrlsResponse {
    const base = this.urls.publicBaseUrl;
    return {
      test_webhook_url: webhookReceiverUrl(base, projectId, 'test'),
      live_webhook_url: webhookReceiverUrl(base, projectId, 'live'),
    };
  }

  /** Checks a secret or restricted key with one call to Stripe (nothing is stored). */
  async validateCredentials(input: ValidateStripeCredentialsRequest): Promise<ValidateStripeCredentialsResponse> {
    const expectedMode: StripeMode = input.is_test_mode === false ? 'live' : 'test';
    const key = input.secret_key;
    if (!/^(sk|rk)_(test|live)_[A-Za-z0-9]+$/.test(key)) {
      return {
        valid: false,
        message:
          'Not a Stripe secret key: expected sk_test_, rk_test_, sk_live_ or rk_live_ followed by letters and digits',
      };
    }
    if (isExampleCredential(key)) return { valid: false, message: `secret_key ${EXAMPLE_CREDENTIAL_MESSAGE}` };
    const keyMode = modeOfKey(key);
    if (keyMode !== expectedMode) {
      return {
        valid: false,
        message: `This is a ${keyMode}-mode key, but is_test_mode is ${String(expectedMode === 'test')}: use a ${expectedMode}-mode key`,
      };
    }
    try {
      await this.stripe.checkSecretKey(key);
      return { valid: true, message: 'Stripe credentials are valid' };
    } catch (error) {
      if (!(error instanceof StripeCallError)) throw error;
      return this.describeCheckFailure(error);
    }
  }

  /** valid:false for what the key's owner can fix; 502/504 when Stripe itself could not answer. */
  private describeCheckFailure(error: StripeCallError): ValidateStripeCredentialsResponse {
    throwIfStripeUnavailable(error);
    switch (error.kind) {
      case 'invalid_key':
      case 'expired_key':
        // The issue's wording: "invalid API key", or "the API key has expired".
        return { valid: false, message: error.message };
      case 'permission':
        return {
          valid: false,
          message: error.details.permission
            ? `The restricted key is missing the permission ${error.details.permission} (needed to read the balance)`
            : 'The restricted key does not have the permission needed to read the balance',
        };
      case 'rate_limited':
        return { valid: false, message: 'rate limited by Stripe, try again later' };
      default:
        return { valid: false, message: `Stripe rejected the request: ${error.message}` };
    }
  }
}
